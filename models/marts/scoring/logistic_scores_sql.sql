-- The calibrated logistic probability of every lead and customer computed in SQL from
-- scoring_model_coefficients alone: p = 1 / (1 + exp(-(intercept + sum(coefficient * z)))), with z the
-- model's preprocessing (macro scaled_features). Equals the Python logistic_probability within 1e-9
-- (with var scoring_imputation: iterative, on the rows without an imputed value: SQL imputes the
-- median). The terms are summed as exact decimals (portable, and order-independent: the same value on
-- every build whatever the thread scheduling).
with

coefficients as (
    select * from {{ ref('model_coefficients') }}
),

lead_scaled as (
    select * from {{ scaled_features(
        ref('lead_features'), 'lead_id', ref('model_coefficients'), "model_name = 'lead_conversion'"
    ) }}
),

customer_scaled as (
    select * from {{ scaled_features(
        ref('customer_features'), 'customer_id', ref('model_coefficients'),
        "model_name = 'purchase_propensity'"
    ) }}
),

scaled as (
    select
        'lead_conversion' as model_name,
        scored_id,
        output_feature,
        scaled_value,
        is_imputed
    from lead_scaled
    union all
    select
        'purchase_propensity' as model_name,
        scored_id,
        output_feature,
        scaled_value,
        is_imputed
    from customer_scaled
),

linear_predictors as (
    select
        scaled.model_name,
        scaled.scored_id,
        any_value(coefficients.intercept)
        + cast({{ exact_sum('coefficients.coefficient * scaled.scaled_value') }} as double) as eta,
        bool_or(scaled.is_imputed) as has_imputed_value
    from scaled
    inner join coefficients
        on
            scaled.model_name = coefficients.model_name
            and scaled.output_feature = coefficients.output_feature
    group by scaled.model_name, scaled.scored_id
)

select
    model_name,
    scored_id,
    eta,
    1 / (1 + exp(-eta)) as logistic_probability,
    has_imputed_value
from linear_predictors
