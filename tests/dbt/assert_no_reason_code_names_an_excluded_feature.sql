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
{%- for model_name, scores, id_column in [
    ('lead_conversion', 'lead_scores', 'lead_id'),
    ('purchase_propensity', 'customer_propensity_scores', 'customer_id'),
] %}
    {%- for position in [1, 2, 3] %}
    select
        '{{ model_name }}' as model_name,
        {{ id_column }} as scored_id,
        reason_{{ position }} as reason
    from {{ scores }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
    {%- if not loop.last %}
    union all
    {%- endif %}
{%- endfor %}
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
