-- Lead conversion score of every lead: calibrated probability, 0-100 score, grade, decile, the top
-- reasons, and the business-weighted score side by side (what sales tools read)
with

predictions as (
    select * from {{ ref('lead_score_predictions') }}
),

weighted_scores as (
    select * from {{ ref('weighted_scores') }}
    where model_name = 'lead_conversion'
)

select
    predictions.lead_id,
    predictions.probability,
    predictions.logistic_probability,
    predictions.score,
    predictions.grade,
    predictions.decile,
    predictions.reason_1,
    predictions.reason_2,
    predictions.reason_3,
    weighted_scores.weighted_score_0_100 as weighted_score,
    predictions.model_version,
    {{ build_time() }} as built_at
from predictions
left join weighted_scores
    on predictions.lead_id = weighted_scores.scored_id
