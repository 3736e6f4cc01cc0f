-- One batch of the score history: every lead and customer scored by this build, with the model
-- version that scored it. Appended per as-of date; rebuilding a date replaces its rows.
-- is_training_row marks predictions whose outcome the model already knew (a lead labelled at the
-- as-of date is a training row of the lead model): the backtest leaves them out.
-- Erasure: rows of erased leads and customers are deleted from every as-of date after each build
-- (post-hook, macros/privacy/erasure.sql).
{{ config(
    full_refresh=var('history_reset'),
    post_hook="{{ erase_subject_rows(this, 'subject_id',
        \"case kept.model_name when 'lead_conversion' then 'lead' when 'purchase_propensity' then 'customer' end\") }}",
) }}
-- depends_on: {{ ref('stg_crm__erased_subjects') }}
with

snapshot_dates as (
    select * from {{ ref('int_snapshot_dates') }}
),

lead_scores as (
    select * from {{ ref('lead_scores') }}
),

lead_conversion_labels as (
    select * from {{ ref('lead_conversion_labels') }}
),

customer_propensity_scores as (
    select * from {{ ref('customer_propensity_scores') }}
),

current_snapshot as (
    select as_of_date from snapshot_dates
    where snapshot_name = 'current'
),

scores as (
    select
        'lead_conversion' as model_name,
        lead_scores.lead_id as subject_id,
        lead_scores.probability,
        lead_scores.score,
        lead_scores.grade,
        lead_scores.decile,
        lead_scores.model_version,
        coalesce(lead_conversion_labels.is_labelled, false) as is_training_row
    from lead_scores
    left join lead_conversion_labels
        on lead_scores.lead_id = lead_conversion_labels.lead_id
    union all
    -- trained on the training snapshot; scores the current one, whose outcome lies ahead
    select
        'purchase_propensity' as model_name,
        customer_id as subject_id,
        probability,
        score,
        grade,
        decile,
        model_version,
        false as is_training_row
    from customer_propensity_scores
)

select
    ---------- ids
    scores.subject_id,
    ---------- strings
    scores.model_name,
    scores.grade,
    scores.model_version,
    ---------- numerics
    scores.probability,
    scores.score,
    scores.decile,
    ---------- booleans
    scores.is_training_row,
    ---------- dates
    current_snapshot.as_of_date,
    ---------- timestamps
    {{ build_time() }} as recorded_at
from scores
cross join current_snapshot
