-- One batch of the model metrics history: one row per model of this build (the two scoring models
-- of model_metrics and the customer segmentation, also when skipped), so the quality of each model can be followed
-- over time. Appended per as-of date; rebuilding a date replaces its rows.
{{ config(full_refresh=var('history_reset')) }}
with

snapshot_dates as (
    select * from {{ ref('int_snapshot_dates') }}
),

model_metrics as (
    select * from {{ ref('model_metrics') }}
),

segment_profiles as (
    select * from {{ ref('segment_profiles') }}
),

segment_model_selection as (
    select * from {{ ref('segment_model_selection') }}
),

current_snapshot as (
    select as_of_date from snapshot_dates
    where snapshot_name = 'current'
),

segmentation as (
    select
        'customer_segmentation' as model_name,
        any_value(model_version) as model_version,
        any_value(algorithm) as estimator,
        sum(customers) as training_rows,
        count(*) as segments,
        count(*) = 0 as is_skipped
    from segment_profiles
),

chosen_segmentation as (
    select
        silhouette,
        calinski_harabasz,
        davies_bouldin
    from segment_model_selection
    where is_chosen and is_primary
),

metrics as (
    select
        model_name,
        model_version,
        chosen_estimator as estimator,
        training_rows,
        positives,
        cv_roc_auc_mean,
        cv_roc_auc_std,
        pr_auc,
        brier_score,
        top_decile_lift,
        threshold,
        cast(null as bigint) as segments,
        cast(null as double) as silhouette,
        cast(null as double) as calinski_harabasz,
        cast(null as double) as davies_bouldin,
        is_skipped
    from model_metrics
    union all
    select
        segmentation.model_name,
        segmentation.model_version,
        segmentation.estimator,
        segmentation.training_rows,
        cast(null as bigint) as positives,
        cast(null as double) as cv_roc_auc_mean,
        cast(null as double) as cv_roc_auc_std,
        cast(null as double) as pr_auc,
        cast(null as double) as brier_score,
        cast(null as double) as top_decile_lift,
        cast(null as double) as threshold,
        segmentation.segments,
        chosen_segmentation.silhouette,
        chosen_segmentation.calinski_harabasz,
        chosen_segmentation.davies_bouldin,
        segmentation.is_skipped
    from segmentation
    left join chosen_segmentation
        on true
)

select
    ---------- strings
    metrics.model_name,
    metrics.model_version,
    metrics.estimator,
    ---------- numerics
    cast(metrics.training_rows as bigint) as training_rows,
    cast(metrics.positives as bigint) as positives,
    metrics.cv_roc_auc_mean,
    metrics.cv_roc_auc_std,
    metrics.pr_auc,
    metrics.brier_score,
    metrics.top_decile_lift,
    metrics.threshold,
    cast(metrics.segments as bigint) as segments,
    metrics.silhouette,
    metrics.calinski_harabasz,
    metrics.davies_bouldin,
    ---------- booleans
    metrics.is_skipped,
    ---------- dates
    current_snapshot.as_of_date,
    ---------- timestamps
    {{ build_time() }} as recorded_at
from metrics
cross join current_snapshot
