{#-
    score_mart(predictions, id_column, model_name): a scoring mart (lead_scores,
    customer_propensity_scores): the Python model's predictions per id with the business-weighted
    score of the same model side by side, and the build time.
-#}
{% macro score_mart(predictions, id_column, model_name) -%}
with

predictions as (
    select * from {{ predictions }}
),

weighted_scores as (
    select * from {{ ref('weighted_scores') }}
    where model_name = '{{ model_name }}'
)

select
    predictions.{{ id_column }},
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
    on predictions.{{ id_column }} = weighted_scores.scored_id
{%- endmacro %}
