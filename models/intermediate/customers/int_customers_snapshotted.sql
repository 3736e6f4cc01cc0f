-- one row per snapshot and customer known before its as-of date: created in the CRM, or with an
-- order, web event, email event or survey answer strictly before `as_of_at`. A customer exists
-- before the as-of date exactly when its earliest such time is before it, so the earliest time over
-- all data is compared (it is read only when it lies before the as-of date).
with

customers as (
    select * from {{ ref('int_customers_resolved') }}
),

orders as (
    select * from {{ ref('int_orders_identified') }}
),

web_events as (
    select * from {{ ref('int_web_events_identified') }}
),

email_events as (
    select * from {{ ref('int_email_events_identified') }}
),

survey_responses as (
    select * from {{ ref('stg_crm__survey_responses') }}
),

customer_ids as (
    select * from {{ ref('int_customer_ids_mapped') }}
),

snapshot_dates as (
    select * from {{ ref('int_snapshot_dates') }}
),

activity_times as (
    select
        customer_id,
        created_at as active_at
    from customers
    where created_at is not null
    union all
    select
        customer_id,
        min(ordered_at) as active_at
    from orders
    group by customer_id
    union all
    select
        customer_id,
        min(occurred_at) as active_at
    from web_events
    where customer_id is not null
    group by customer_id
    union all
    select
        customer_id,
        min(occurred_at) as active_at
    from email_events
    where customer_id is not null
    group by customer_id
    union all
    select
        customer_ids.customer_id,
        min(survey_responses.answered_at) as active_at
    from survey_responses
    inner join customer_ids
        on survey_responses.customer_id = customer_ids.source_customer_id
    group by customer_ids.customer_id
),

first_seen as (
    select
        customers.customer_id,
        min(activity_times.active_at) as first_seen_at
    from customers
    inner join activity_times
        on customers.customer_id = activity_times.customer_id
    group by customers.customer_id
),

snapshotted as (
    select
        snapshot_dates.snapshot_name,
        first_seen.customer_id,
        snapshot_dates.as_of_date,
        first_seen.first_seen_at
    from first_seen
    inner join snapshot_dates
        on first_seen.first_seen_at < snapshot_dates.as_of_at
)

select
    snapshot_name,
    customer_id,
    cast({{ days_since('first_seen_at', 'as_of_date') }} as integer) as tenure_days,
    as_of_date,
    cast(first_seen_at as date) as first_seen_date
from snapshotted
