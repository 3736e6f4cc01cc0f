-- One batch of the model runs history: what the retraining cadence decided for each model on this build
-- (trained, or the stored fit reused, and why), one row per model. Appended per as-of date; rebuilding a
-- date replaces its rows.
{{ config(full_refresh=var('history_reset')) }}
with

segmentation_run as (
    select * from {{ ref('segment_model_run') }}
),

scoring_runs as (
    select * from {{ ref('scoring_model_runs') }}
),

-- both model_run tables have these columns (audience.cadence.MODEL_RUN_SCHEMA), stacked by name
{%- set run_columns = [
    'model_name', 'as_of_date', 'model_version', 'trained_as_of_date', 'action', 'reason',
    'model_age_days', 'retrain_every_days', 'is_forced',
] %}

runs as (
    select {{ run_columns | join(', ') }} from segmentation_run
    union all
    select {{ run_columns | join(', ') }} from scoring_runs
)

select
    ---------- ids
    model_name,
    model_version,
    ---------- strings
    action,
    reason,
    ---------- numerics
    cast(model_age_days as integer) as model_age_days,
    cast(retrain_every_days as integer) as retrain_every_days,
    ---------- booleans
    action = 'trained' as is_retrained,
    is_forced,
    ---------- dates
    cast(as_of_date as date) as as_of_date,
    cast(trained_as_of_date as date) as trained_as_of_date,
    ---------- timestamps
    {{ build_time() }} as recorded_at
from runs
