-- Calibration and lift of each scoring model by decile of its matured predictions (per model and
-- prediction date, from score_backtest_outcomes): the mean predicted probability against the
-- observed positive rate, and the decile's lift over the overall positive rate.
with

outcomes as (
    select * from {{ ref('score_backtest_outcomes') }}
),

deciles as (
    select
        model_name,
        prediction_as_of_date,
        decile,
        count(*) as predictions,
        count(*) filter (where is_positive) as positives,
        avg(probability) as mean_probability,
        avg(cast(is_positive as double)) as positive_rate
    from outcomes
    group by model_name, prediction_as_of_date, decile
),

overall as (
    select
        model_name,
        prediction_as_of_date,
        avg(cast(is_positive as double)) as positive_rate
    from outcomes
    group by model_name, prediction_as_of_date
)

select
    ---------- strings
    deciles.model_name,
    ---------- numerics
    deciles.decile,
    deciles.predictions,
    deciles.positives,
    deciles.mean_probability,
    deciles.positive_rate,
    deciles.positive_rate - deciles.mean_probability as calibration_gap,
    case when overall.positive_rate > 0 then deciles.positive_rate / overall.positive_rate end as lift,
    ---------- dates
    deciles.prediction_as_of_date
from deciles
inner join overall
    on
        deciles.model_name = overall.model_name
        and deciles.prediction_as_of_date = overall.prediction_as_of_date
