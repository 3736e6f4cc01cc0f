-- The profit rule: every model that was not skipped has exactly one chosen threshold, it has the
-- maximal expected profit, ties go to the higher threshold, and it is the threshold model_metrics
-- reports; a skipped model has no curve. One row per model that breaks any of these.
with

threshold_profit_curve as (
    select * from {{ ref('threshold_profit_curve') }}
),

model_metrics as (
    select * from {{ ref('model_metrics') }}
),

per_model as (
    select
        model_name,
        count(*) filter (where is_chosen) as chosen_thresholds,
        max(expected_profit) as max_expected_profit,
        max(expected_profit) filter (where is_chosen) as chosen_expected_profit,
        max(threshold) filter (where is_chosen) as chosen_threshold
    from threshold_profit_curve
    group by model_name
),

highest_best as (
    select
        threshold_profit_curve.model_name,
        max(threshold_profit_curve.threshold) as highest_best_threshold
    from threshold_profit_curve
    inner join per_model
        on
            threshold_profit_curve.model_name = per_model.model_name
            and threshold_profit_curve.expected_profit = per_model.max_expected_profit
    group by threshold_profit_curve.model_name
),

checked as (
    select
        coalesce(model_metrics.model_name, per_model.model_name) as model_name,
        coalesce(model_metrics.is_skipped, false) as is_skipped,
        per_model.model_name is not null as has_curve,
        per_model.chosen_thresholds,
        per_model.chosen_threshold,
        per_model.chosen_expected_profit,
        per_model.max_expected_profit,
        highest_best.highest_best_threshold,
        model_metrics.threshold as metrics_threshold
    from model_metrics
    full outer join per_model
        on model_metrics.model_name = per_model.model_name
    left join highest_best
        on per_model.model_name = highest_best.model_name
)

select *
from checked
where
    (is_skipped and has_curve)
    or (
        not is_skipped
        and (
            chosen_thresholds is distinct from 1
            or chosen_expected_profit is distinct from max_expected_profit
            or chosen_threshold is distinct from highest_best_threshold
            or chosen_threshold is distinct from metrics_threshold
        )
    )
