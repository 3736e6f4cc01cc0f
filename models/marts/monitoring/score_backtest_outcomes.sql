-- Every past prediction of score_history whose outcome has matured since, with that outcome: the rows
-- the backtest scores. Out-of-sample only: predictions made before this build's as-of date, of
-- subjects whose outcome the model did not know when it predicted (is_training_row false).
--   lead_conversion: the lead's label of lead_conversion_labels, once labelled (created at least
--     lead_conversion_horizon_days before this build's as-of date).
--   purchase_propensity: a completed order in [prediction date, prediction date + propensity_horizon_days),
--     the label of customer_propensity_labels, once that horizon has ended by this build's as-of date.
-- decile: the decile rule of the score marts, within the model's matured predictions of one date.
{%- set horizon_days = var('propensity_horizon_days') %}

with

score_history as (
    select * from {{ ref('score_history') }}
),

lead_conversion_labels as (
    select * from {{ ref('lead_conversion_labels') }}
),

orders as (
    select * from {{ ref('int_orders_identified') }}
),

snapshot_dates as (
    select * from {{ ref('int_snapshot_dates') }}
),

current_snapshot as (
    select as_of_date from snapshot_dates
    where snapshot_name = 'current'
),

predictions as (
    select score_history.*
    from score_history
    inner join current_snapshot
        on score_history.as_of_date < current_snapshot.as_of_date
    where not score_history.is_training_row
),

lead_outcomes as (
    select
        predictions.model_name,
        predictions.subject_id,
        predictions.as_of_date,
        predictions.model_version,
        predictions.probability,
        lead_conversion_labels.is_converted_within_horizon as is_positive
    from predictions
    inner join lead_conversion_labels
        on predictions.subject_id = lead_conversion_labels.lead_id
    where predictions.model_name = 'lead_conversion' and lead_conversion_labels.is_labelled
),

purchase_outcomes as (
    select
        predictions.model_name,
        predictions.subject_id,
        predictions.as_of_date,
        predictions.model_version,
        predictions.probability,
        count(orders.order_id) > 0 as is_positive
    from predictions
    inner join current_snapshot
        on predictions.as_of_date + {{ horizon_days }} <= current_snapshot.as_of_date
    left join orders
        on
            predictions.subject_id = orders.customer_id
            and orders.order_status = 'completed'
            and orders.ordered_at >= cast(predictions.as_of_date as timestamp)
            and orders.ordered_at < cast(predictions.as_of_date + {{ horizon_days }} as timestamp)
    where predictions.model_name = 'purchase_propensity'
    group by all
),

outcomes as (
    select * from lead_outcomes
    union all
    select * from purchase_outcomes
),

ranked as (
    select
        *,
        row_number() over (
            partition by model_name, as_of_date order by probability desc, subject_id asc
        ) - 1 as score_rank,
        count(*) over (partition by model_name, as_of_date) as matured_rows
    from outcomes
)

select
    ---------- ids
    ranked.subject_id,
    ---------- strings
    ranked.model_name,
    ranked.model_version,
    ---------- numerics
    ranked.probability,
    cast(floor(10 * ranked.score_rank / ranked.matured_rows) + 1 as integer) as decile,
    ---------- booleans
    ranked.is_positive,
    ---------- dates
    ranked.as_of_date as prediction_as_of_date,
    current_snapshot.as_of_date as outcome_as_of_date
from ranked
cross join current_snapshot
