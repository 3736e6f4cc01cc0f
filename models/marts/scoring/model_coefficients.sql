-- The calibrated logistic model of each scoring model as a table: coefficient per preprocessed
-- feature, intercept, and the preprocessing parameters, so SQL can score on any engine
with

coefficients as (
    select * from {{ ref('scoring_model_coefficients') }}
)

select
    model_name,
    output_feature,
    source_feature,
    transform,
    category,
    impute_value,
    center,
    scale,
    position,
    coefficient,
    intercept
from coefficients
