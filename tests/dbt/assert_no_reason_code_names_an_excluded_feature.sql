-- No score's reason code names a feature its model left out of the fit (model_feature_exclusions: all
-- null, constant or a near-duplicate in the training rows): such a feature has no model column, so it
-- cannot explain a score. A returned row is a reason naming an excluded feature.
with

lead_scores as (
    select * from {{ ref('lead_scores') }}
),

customer_propensity_scores as (
    select * from {{ ref('customer_propensity_scores') }}
),

exclusions as (
    select * from {{ ref('model_feature_exclusions') }}
),

-- the three reason columns stacked (portable SQL: a union instead of DuckDB's unnest of a list)
reasons as (
    select
        'lead_conversion' as model_name,
        lead_id as scored_id,
        reason_1 as reason
    from lead_scores
    union all
    select
        'lead_conversion' as model_name,
        lead_id as scored_id,
        reason_2 as reason
    from lead_scores
    union all
    select
        'lead_conversion' as model_name,
        lead_id as scored_id,
        reason_3 as reason
    from lead_scores
    union all
    select
        'purchase_propensity' as model_name,
        customer_id as scored_id,
        reason_1 as reason
    from customer_propensity_scores
    union all
    select
        'purchase_propensity' as model_name,
        customer_id as scored_id,
        reason_2 as reason
    from customer_propensity_scores
    union all
    select
        'purchase_propensity' as model_name,
        customer_id as scored_id,
        reason_3 as reason
    from customer_propensity_scores
)

select
    reasons.model_name,
    reasons.scored_id,
    reasons.reason,
    exclusions.reason as exclusion_reason
from reasons
inner join exclusions
    on
        reasons.model_name = exclusions.model_name
        and reasons.reason = exclusions.feature_name
