-- The calibrated logistic probability of every lead and customer computed in SQL from
-- scoring_model_coefficients alone: p = 1 / (1 + exp(-(intercept + sum(coefficient * z)))), with z the
-- model's preprocessing (macro scaled_features). Equals the Python logistic_probability within 1e-9
-- (with var scoring_imputation: iterative, on the rows without an imputed value: SQL imputes the
-- median). The terms are summed as exact decimals (portable, and order-independent: the same value on
-- every build whatever the thread scheduling); macro linear_predictors (macros/scoring/scaled_features.sql).
with

linear_predictors as (
    select
        'lead_conversion' as model_name,
        scored_id,
        eta,
        has_imputed_value
    from {{ linear_predictors(
        ref('lead_features'), 'lead_id', ref('model_coefficients'), "model_name = 'lead_conversion'"
    ) }}
    union all
    select
        'purchase_propensity' as model_name,
        scored_id,
        eta,
        has_imputed_value
    from {{ linear_predictors(
        ref('customer_features'), 'customer_id', ref('model_coefficients'), "model_name = 'purchase_propensity'"
    ) }}
)

select
    model_name,
    scored_id,
    eta,
    1 / (1 + exp(-eta)) as logistic_probability,
    has_imputed_value
from linear_predictors
