-- Purchase propensity of every current customer over the next horizon: calibrated probability,
-- 0-100 score, grade, decile, the top reasons, and the business-weighted score side by side
with

predictions as (
    select * from {{ ref('propensity_score_predictions') }}
),

weighted_scores as (
    select * from {{ ref('weighted_scores') }}
    where model_name = 'purchase_propensity'
)

select
    predictions.customer_id,
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
    on predictions.customer_id = weighted_scores.scored_id
