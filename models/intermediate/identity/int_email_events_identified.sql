-- clean email events with customer_id resolved to the surviving customer, without the events dated
-- before their customer was created (quarantined by int_email_events_checked)
{{ config(materialized='view') }}

with

checked_events as (
    select * from {{ ref('int_email_events_checked') }}
)

select
    event_id,
    customer_id,
    lead_id,
    campaign_id,
    event_type,
    occurred_at
from checked_events
where reject_reason is null
