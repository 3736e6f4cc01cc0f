-- The real accuracy of each scoring model over time: per model and prediction date, its matured
-- out-of-sample predictions (score_backtest_outcomes) scored against their outcomes, beside the
-- cross-validated ROC AUC the model reported when it was trained (model_metrics_history).
--   roc_auc: Mann-Whitney, from ranks: (sum of the positives' ranks - P (P + 1) / 2) / (P * N), ranks
--     ascending by probability, tied probabilities sharing their average rank; null without positives
--     or negatives.
--   top_decile_lift: the positive rate of decile 1 over the overall positive rate.
with

outcomes as (
    select * from {{ ref('score_backtest_outcomes') }}
),

model_metrics_history as (
    select * from {{ ref('model_metrics_history') }}
),

ranked as (
    select
        *,
        rank() over (partition by model_name, prediction_as_of_date order by probability)
        + (count(*) over (partition by model_name, prediction_as_of_date, probability) - 1) / cast(2 as double)
            as average_rank
    from outcomes
),

summary as (
    select
        model_name,
        prediction_as_of_date,
        any_value(outcome_as_of_date) as outcome_as_of_date,
        any_value(model_version) as model_version,
        count(*) as matured_predictions,
        count(*) filter (where is_positive) as positives,
        sum(average_rank) filter (where is_positive) as positive_rank_sum,
        avg(probability) as mean_probability,
        avg(cast(is_positive as double)) as positive_rate,
        avg(power(probability - cast(is_positive as double), 2)) as brier_score,
        avg(cast(is_positive as double)) filter (where decile = 1) as top_decile_positive_rate
    from ranked
    group by model_name, prediction_as_of_date
)

select
    ---------- strings
    summary.model_name,
    summary.model_version,
    ---------- numerics
    summary.matured_predictions,
    summary.positives,
    summary.positive_rate,
    summary.mean_probability,
    case
        when summary.positives > 0 and summary.positives < summary.matured_predictions
            then
                (summary.positive_rank_sum - summary.positives * (summary.positives + 1) / cast(2 as double))
                / (summary.positives * (summary.matured_predictions - summary.positives))
    end as roc_auc,
    model_metrics_history.cv_roc_auc_mean,
    summary.brier_score,
    case when summary.positive_rate > 0 then summary.top_decile_positive_rate / summary.positive_rate end
        as top_decile_lift,
    ---------- dates
    summary.prediction_as_of_date,
    summary.outcome_as_of_date
from summary
left join model_metrics_history
    on
        summary.model_name = model_metrics_history.model_name
        and summary.prediction_as_of_date = model_metrics_history.as_of_date
