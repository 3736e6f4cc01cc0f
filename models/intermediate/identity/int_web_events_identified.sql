-- clean web events with customer_id resolved to the surviving customer (null when anonymous); a view:
-- the events are stored once (staging), the sessions read them through this join
{{ config(materialized='view') }}

with

web_events as (
    select * from {{ ref('stg_web__events') }}
),

customer_ids as (
    select * from {{ ref('int_customer_ids_mapped') }}
)

select
    web_events.event_id,
    web_events.anonymous_id,
    customer_ids.customer_id,
    web_events.lead_id,
    web_events.event_type,
    web_events.page_url,
    web_events.device_type,
    web_events.utm_source,
    web_events.utm_medium,
    web_events.utm_campaign,
    web_events.occurred_at
from web_events
left join customer_ids
    on web_events.customer_id = customer_ids.source_customer_id
