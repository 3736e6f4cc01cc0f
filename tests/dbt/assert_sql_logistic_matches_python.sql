-- The calibrated logistic probability computed in SQL from model_coefficients alone
-- (logistic_scores_sql) equals the Python logistic_probability within 1e-9 on every lead and customer;
-- a row scored on one side only fails too. With var scoring_imputation: iterative, Python imputes a
-- missing numeric value from the other features and SQL takes the median, so rows with an imputed value
-- are only required to be scored on both sides.
with

logistic_scores_sql as (
    select * from {{ ref('logistic_scores_sql') }}
),

lead_score_predictions as (
    select * from {{ ref('lead_score_predictions') }}
),

propensity_score_predictions as (
    select * from {{ ref('propensity_score_predictions') }}
),

python_scores as (
    select
        'lead_conversion' as model_name,
        lead_id as scored_id,
        logistic_probability
    from lead_score_predictions
    union all
    select
        'purchase_propensity' as model_name,
        customer_id as scored_id,
        logistic_probability
    from propensity_score_predictions
),

compared as (
    select
        coalesce(python_scores.model_name, logistic_scores_sql.model_name) as model_name,
        coalesce(python_scores.scored_id, logistic_scores_sql.scored_id) as scored_id,
        python_scores.logistic_probability as python_probability,
        logistic_scores_sql.logistic_probability as sql_probability,
        coalesce(logistic_scores_sql.has_imputed_value, false) as has_imputed_value
    from python_scores
    full outer join logistic_scores_sql
        on
            python_scores.model_name = logistic_scores_sql.model_name
            and python_scores.scored_id = logistic_scores_sql.scored_id
)

select
    model_name,
    scored_id,
    python_probability,
    sql_probability,
    abs(sql_probability - python_probability) as absolute_difference
from compared
where
    python_probability is null
    or sql_probability is null
    or (
        abs(sql_probability - python_probability) > 1e-9
        and ('{{ var("scoring_imputation") }}' = 'median' or not has_imputed_value)
    )
