-- One row per scoring model: data sizes, cross-validated quality and the chosen threshold
with

metrics as (
    select * from {{ ref('scoring_model_metrics') }}
)

select
    model_name,
    model_version,
    chosen_estimator,
    rows as training_rows,
    positives,
    cv_roc_auc_mean,
    cv_roc_auc_std,
    logistic_cv_roc_auc_mean,
    pr_auc,
    brier_score,
    log_loss,
    f1,
    precision,
    recall,
    top_decile_lift,
    threshold,
    is_skipped,
    skip_reason,
    {{ build_time() }} as trained_at
from metrics
