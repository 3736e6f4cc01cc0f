-- one row per snapshot and customer: the RFM aggregates with R, F and M scores 1..5 by quintile
-- among the customers of the snapshot who have a completed purchase (see the macro quintile_score:
-- equal values get equal scores), the 3-digit rfm_score and the segment of the R x F cell in the
-- seed rfm_segment_map (version: var rfm_segment_map_version). Customers without a purchase get no
-- scores and the segment 'no_purchase'.
{%- set map_version = var('rfm_segment_map_version') %}

with

rfm as (
    select * from {{ ref('int_customer_rfm_aggregated') }}
),

segment_map as (
    select * from {{ ref('rfm_segment_map') }}
    where map_version = {{ map_version }}
),

scored as (
    select
        *,
        case
            when frequency > 0
                then {{ quintile_score('recency_days desc', 'snapshot_name, frequency > 0') }}
        end as r_score,
        case
            when frequency > 0
                then {{ quintile_score('frequency asc', 'snapshot_name, frequency > 0') }}
        end as f_score,
        case
            when frequency > 0
                then {{ quintile_score('monetary_total asc', 'snapshot_name, frequency > 0') }}
        end as m_score
    from rfm
)

select
    scored.snapshot_name,
    scored.customer_id,
    ---------- strings
    cast(scored.r_score as varchar)
    || cast(scored.f_score as varchar)
    || cast(scored.m_score as varchar) as rfm_score,
    case
        when scored.frequency = 0 then 'no_purchase'
        else segment_map.rfm_segment
    end as rfm_segment,
    ---------- numerics
    scored.recency_days,
    scored.frequency,
    scored.monetary_total,
    scored.monetary_avg,
    scored.refunded_total,
    scored.repeat_frequency,
    scored.btyd_recency,
    scored.btyd_t,
    scored.repeat_monetary_avg,
    scored.r_score,
    scored.f_score,
    scored.m_score,
    cast({{ map_version }} as integer) as rfm_segment_map_version,
    ---------- dates
    scored.as_of_date,
    scored.first_purchase_date,
    scored.last_purchase_date
from scored
left join segment_map
    on
        scored.r_score = segment_map.r_score
        and scored.f_score = segment_map.f_score
