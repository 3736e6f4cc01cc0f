-- clean email events with customer_id resolved to the surviving customer
with

email_events as (
    select * from {{ ref('stg_email__events') }}
),

customer_ids as (
    select * from {{ ref('int_customer_ids_mapped') }}
)

select
    email_events.event_id,
    customer_ids.customer_id,
    email_events.lead_id,
    email_events.campaign_id,
    email_events.event_type,
    email_events.occurred_at
from email_events
left join customer_ids
    on email_events.customer_id = customer_ids.source_customer_id
