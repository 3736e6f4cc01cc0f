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

runs as (
    select * from segmentation_run
    union all by name
    select * from scoring_runs
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
