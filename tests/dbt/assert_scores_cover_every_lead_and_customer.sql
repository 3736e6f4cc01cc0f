-- Every lead of lead_features has a row in lead_scores and every customer of customer_features one in
-- customer_propensity_scores (ids are unique and related to the feature marts, so equal counts mean
-- exactly once), unless model_metrics says the model was skipped: then its scores are empty.
with

lead_features as (
    select * from {{ ref('lead_features') }}
),

customer_features as (
    select * from {{ ref('customer_features') }}
),

lead_scores as (
    select * from {{ ref('lead_scores') }}
),

customer_propensity_scores as (
    select * from {{ ref('customer_propensity_scores') }}
),

model_metrics as (
    select * from {{ ref('model_metrics') }}
),

counts as (
    select
        'lead_conversion' as model_name,
        (select count(*) from lead_features) as rows_to_score,
        (select count(*) from lead_scores) as scored_rows
    union all
    select
        'purchase_propensity' as model_name,
        (select count(*) from customer_features) as rows_to_score,
        (select count(*) from customer_propensity_scores) as scored_rows
)

select
    counts.model_name,
    counts.rows_to_score,
    counts.scored_rows,
    model_metrics.is_skipped
from counts
left join model_metrics
    on counts.model_name = model_metrics.model_name
where
    model_metrics.is_skipped is null
    or counts.scored_rows != case when model_metrics.is_skipped then 0 else counts.rows_to_score end
