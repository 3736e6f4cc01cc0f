-- Population stability index of every model feature and score, per build and comparison
-- (training_vs_current, previous_vs_current), from the binned distributions of feature_bin_history:
--   PSI = sum over bins of (c - r) * ln(c / r), r and c the reference and current shares of the bin,
--   an empty bin's share counted as var drift_psi_epsilon. Bins: fitted on the reference (see
--   feature_bin_history). drift_level: error above var drift_psi_error, warn above drift_psi_warn;
--   warn at most (warn_only_reason) for the calendar features of var drift_warn_only_features, and for
--   a score whose model was retrained between the two dates (a new model is expected to score
--   differently; with the same model version on both dates a score alerts like any feature).
{%- set epsilon = var('drift_psi_epsilon') %}
{%- set warn_only_features = var('drift_warn_only_features') or [] %}

with

bin_history as (
    select * from {{ ref('feature_bin_history') }}
),

feature_registry as (
    select * from {{ ref('feature_registry') }}
),

model_metrics_history as (
    select * from {{ ref('model_metrics_history') }}
),

snapshot_dates as (
    select * from {{ ref('int_snapshot_dates') }}
),

current_snapshot as (
    select as_of_date from snapshot_dates
    where snapshot_name = 'current'
),

model_uses as (
    select
        model_name as source_model,
        feature_name,
        {{ ordered_string_agg('use_case', "', '", 'use_case', distinct=true) }} as used_by
    from feature_registry
    group by model_name, feature_name
    union all
    select
        scores.source_model,
        'probability' as feature_name,
        scores.used_by
    from (
        values ('lead_scores', 'lead_conversion'), ('customer_propensity_scores', 'purchase_propensity')
    ) as scores (source_model, used_by)
),

shares as (
    select
        *,
        greatest(reference_rows / sum(reference_rows) over feature_window, {{ epsilon }}) as reference_share,
        greatest(current_rows / sum(current_rows) over feature_window, {{ epsilon }}) as current_share
    from bin_history
    where comparison != 'current_bins'
    window feature_window as (partition by as_of_date, comparison, source_model, feature_name)
),

drift as (
    select
        as_of_date,
        comparison,
        source_model,
        feature_name,
        any_value(reference_as_of_date) as reference_as_of_date,
        any_value(feature_kind) as feature_kind,
        any_value(feature_role) as feature_role,
        count(*) as bins,
        sum(reference_rows) as reference_rows,
        sum(current_rows) as current_rows,
        {{ ordered_sum(
            '(current_share - reference_share) * ln(current_share / reference_share)', 'bin_index'
        ) }} as psi
    from shares
    group by as_of_date, comparison, source_model, feature_name
),

flagged as (
    select
        drift.*,
        model_uses.used_by,
        case
            when
                drift.feature_kind = 'feature'
                and drift.feature_name in (
                    {%- for feature in warn_only_features or [''] %}
                        '{{ feature }}'{{ ',' if not loop.last }}
                    {%- endfor %}
                )
                then 'calendar feature'
            when
                drift.feature_kind = 'score'
                and coalesce(current_models.model_version != reference_models.model_version, true)
                then 'model retrained'
        end as warn_only_reason
    from drift
    left join model_uses
        on
            drift.source_model = model_uses.source_model
            and drift.feature_name = model_uses.feature_name
    left join model_metrics_history as current_models
        on
            model_uses.used_by = current_models.model_name
            and drift.as_of_date = current_models.as_of_date
    left join model_metrics_history as reference_models
        on
            model_uses.used_by = reference_models.model_name
            and drift.reference_as_of_date = reference_models.as_of_date
)

select
    ---------- strings
    flagged.comparison,
    flagged.source_model,
    flagged.feature_name,
    flagged.feature_kind,
    flagged.feature_role,
    flagged.used_by,
    case
        when flagged.psi > {{ var('drift_psi_error') }} and flagged.warn_only_reason is null then 'error'
        when flagged.psi > {{ var('drift_psi_warn') }} then 'warn'
        else 'ok'
    end as drift_level,
    flagged.warn_only_reason,
    ---------- numerics
    flagged.psi,
    cast(flagged.bins as bigint) as bins,
    cast(flagged.reference_rows as bigint) as reference_rows,
    cast(flagged.current_rows as bigint) as current_rows,
    ---------- booleans
    flagged.as_of_date = current_snapshot.as_of_date as is_current_build,
    ---------- dates
    flagged.as_of_date,
    flagged.reference_as_of_date
from flagged
cross join current_snapshot
