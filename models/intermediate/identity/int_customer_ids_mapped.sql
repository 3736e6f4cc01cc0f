-- identity map: every customer id seen in any source -> the resolved (surviving) customer_id.
-- Consents (and traits, erasure requests) only refer to subjects: their ids create no entry here
-- (a consent of an unknown subject is reported in dq_orphan_consents).
with

customers as (
    select * from {{ ref('stg_crm__customers') }}
),

customer_merges as (
    select * from {{ ref('stg_crm__customer_merges') }}
),

orders as (
    select * from {{ ref('stg_shop__orders') }}
),

web_events as (
    select * from {{ ref('stg_web__events') }}
),

email_events as (
    select * from {{ ref('stg_email__events') }}
),

survey_responses as (
    select * from {{ ref('stg_crm__survey_responses') }}
),

seen_ids as (
    select customer_id as source_customer_id from orders
    union
    select customer_id from web_events
    where customer_id is not null
    union
    select customer_id from email_events
    where customer_id is not null
    union
    select customer_id from survey_responses
),

mapped as (
    select
        customer_id as source_customer_id,
        customer_id,
        'crm' as resolution
    from customers
    union all
    select
        merged_customer_id as source_customer_id,
        survivor_customer_id as customer_id,
        'merged_by_email' as resolution
    from customer_merges
    union all
    select
        seen_ids.source_customer_id,
        seen_ids.source_customer_id as customer_id,
        'seen_outside_crm' as resolution
    from seen_ids
    where
        seen_ids.source_customer_id not in (select customers.customer_id from customers)
        and seen_ids.source_customer_id not in (select customer_merges.merged_customer_id from customer_merges)
)

select
    source_customer_id,
    customer_id,
    resolution
from mapped
