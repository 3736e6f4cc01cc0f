-- The decile rule of audience.scoring, recomputed: rows ordered by probability descending, ties by id
-- ascending; the row of 0-based rank r among n gets floor(10 * r / n) + 1. Fails on every row of
-- lead_scores or customer_propensity_scores whose decile differs.
with

lead_scores as (
    select * from {{ ref('lead_scores') }}
),

customer_propensity_scores as (
    select * from {{ ref('customer_propensity_scores') }}
),

scores as (
    select
        'lead_conversion' as model_name,
        lead_id as scored_id,
        probability,
        decile
    from lead_scores
    union all
    select
        'purchase_propensity' as model_name,
        customer_id as scored_id,
        probability,
        decile
    from customer_propensity_scores
),

ranked as (
    select
        model_name,
        scored_id,
        probability,
        decile,
        row_number() over (partition by model_name order by probability desc, scored_id asc) - 1 as score_rank,
        count(*) over (partition by model_name) as scored_rows
    from scores
)

select
    model_name,
    scored_id,
    probability,
    decile,
    floor(10 * score_rank / scored_rows) + 1 as expected_decile
from ranked
where decile != floor(10 * score_rank / scored_rows) + 1
