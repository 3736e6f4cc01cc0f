-- Every feature a model left out of its fit because the training rows give it no information (all
-- null, constant, near-duplicate of another), with the reason: the segmentation's and both scoring
-- models'. A feature listed here has no column in that model, so it is never a reason code, a centroid
-- coordinate or a segment-name word.
with

segment_exclusions as (
    select * from {{ ref('segment_feature_exclusions') }}
),

scoring_exclusions as (
    select * from {{ ref('scoring_feature_exclusions') }}
),

stacked as (
    select
        model_name,
        feature_name,
        feature_role,
        reason,
        detail,
        related_feature,
        abs_correlation,
        screened_rows
    from segment_exclusions
    union all
    select
        model_name,
        feature_name,
        feature_role,
        reason,
        detail,
        related_feature,
        abs_correlation,
        screened_rows
    from scoring_exclusions
)

select
    model_name,
    feature_name,
    feature_role,
    reason,
    detail,
    related_feature,
    round(abs_correlation, 6) as abs_correlation,
    screened_rows
from stacked
