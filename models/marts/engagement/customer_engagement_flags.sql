-- Per customer, as of the current snapshot: web sessions in the last 30 days judged against the current
-- adaptive thresholds (the engagement_thresholds row of the day before the as-of date, whose window is
-- the same 30 days). Tier: top >= p95, high >= p80, medium >= p50, else low; is_highly_engaged = at or
-- above p80. A customer without sessions is low (the percentiles are over active customers, all >= 1);
-- with no active customer at all the thresholds are null and everybody is low.
with

customer_ids as (
    select * from {{ ref('int_customer_ids_mapped') }}
),

web_activity as (
    select * from {{ ref('int_customer_web_activity_aggregated') }}
),

thresholds as (
    select * from {{ ref('engagement_thresholds') }}
),

customers as (
    select distinct customer_id
    from customer_ids
),

current_web_activity as (
    select
        customer_id,
        sessions_30d
    from web_activity
    where snapshot_name = 'current'
),

current_thresholds as (
    select
        sessions_30d_p50,
        sessions_30d_p80,
        sessions_30d_p95,
        as_of_date
    from thresholds
    where is_current
),

judged as (
    select
        customers.customer_id,
        coalesce(current_web_activity.sessions_30d, 0) as sessions_30d,
        current_thresholds.sessions_30d_p50,
        current_thresholds.sessions_30d_p80,
        current_thresholds.sessions_30d_p95,
        current_thresholds.as_of_date
    from customers
    cross join current_thresholds
    left join current_web_activity
        on customers.customer_id = current_web_activity.customer_id
)

select
    ---------- ids
    customer_id,
    ---------- strings
    case
        when sessions_30d >= sessions_30d_p95 then 'top'
        when sessions_30d >= sessions_30d_p80 then 'high'
        when sessions_30d >= sessions_30d_p50 then 'medium'
        else 'low'
    end as engagement_tier,
    ---------- numerics
    cast(sessions_30d as integer) as sessions_30d,
    sessions_30d_p50,
    sessions_30d_p80,
    sessions_30d_p95,
    ---------- booleans
    coalesce(sessions_30d >= sessions_30d_p80, false) as is_highly_engaged,
    ---------- dates
    as_of_date
from judged
