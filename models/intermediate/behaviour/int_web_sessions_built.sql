-- Web sessions, built separately for every snapshot from the events strictly before its as_of_at
-- (a training session never sees a later event, not even the one that would stitch it).
-- Visitor: anonymous_id; events without one are sessionized per customer_id, then per lead_id;
-- events with none of the three belong to nobody and are left out.
-- Rule: a gap of MORE than 30 minutes since the visitor's previous event starts a new session;
-- exactly 30 minutes stays in the same session. Window functions only: linear in the events.
-- Stitching: a session belongs to the customer (lead) of its first event that carries a customer_id
-- (lead_id), by (occurred_at, event_id); identified_customers (identified_leads) counts the distinct
-- ones, > 1 on shared devices.
{%- set session_timeout = "interval 30 minute" %}
{%- set event_types = {
    'page_view': 'page_views',
    'product_view': 'product_views',
    'add_to_cart': 'add_to_carts',
    'checkout': 'checkouts',
    'search': 'searches',
    'video_play': 'video_plays',
    'form_submit': 'form_submits',
} %}

with

web_events as (
    select * from {{ ref('int_web_events_identified') }}
),

snapshot_dates as (
    select * from {{ ref('int_snapshot_dates') }}
),

snapshot_events as (
    select
        snapshot_dates.snapshot_name,
        web_events.event_id,
        web_events.anonymous_id,
        web_events.customer_id,
        web_events.lead_id,
        coalesce(
            'anonymous:' || web_events.anonymous_id,
            'customer:' || web_events.customer_id,
            'lead:' || web_events.lead_id
        ) as visitor_key,
        web_events.event_type,
        web_events.page_url,
        web_events.device_type,
        web_events.utm_source,
        web_events.utm_medium,
        web_events.utm_campaign,
        web_events.occurred_at
    from web_events
    inner join snapshot_dates
        on web_events.occurred_at < snapshot_dates.as_of_at
    where coalesce(web_events.anonymous_id, web_events.customer_id, web_events.lead_id) is not null
),

gaps as (
    select
        *,
        row_number() over visitor_events as visitor_event_number,
        lag(occurred_at) over visitor_events as previous_occurred_at
    from snapshot_events
    window visitor_events as (partition by snapshot_name, visitor_key order by occurred_at, event_id)
),

flagged as (
    select
        *,
        coalesce(occurred_at - previous_occurred_at > {{ session_timeout }}, true) as is_session_start
    from gaps
),

numbered as (
    select
        *,
        sum(cast(is_session_start as integer)) over (
            partition by snapshot_name, visitor_key
            order by occurred_at, event_id
            rows between unbounded preceding and current row
        ) as session_number
    from flagged
),

sessions as (
    select
        snapshot_name,
        visitor_key || '#' || session_number as session_id,
        max(anonymous_id) as anonymous_id,
        arg_min(customer_id, visitor_event_number) filter (where customer_id is not null) as customer_id,
        arg_min(lead_id, visitor_event_number) filter (where lead_id is not null) as lead_id,
        max(case when is_session_start then page_url end) as landing_page_url,
        arg_min(device_type, visitor_event_number) filter (where device_type is not null) as device_type,
        max(case when is_session_start then utm_source end) as utm_source,
        max(case when is_session_start then utm_medium end) as utm_medium,
        max(case when is_session_start then utm_campaign end) as utm_campaign,
        session_number,
        count(*) as events,
        {%- for event_type, column_name in event_types.items() %}
            count_if(event_type = '{{ event_type }}') as {{ column_name }},
        {%- endfor %}
        count(distinct customer_id) as identified_customers,
        count(distinct lead_id) as identified_leads,
        min(occurred_at) as session_started_at,
        max(occurred_at) as session_ended_at
    from numbered
    group by snapshot_name, visitor_key, session_number
)

select
    ---------- ids
    snapshot_name,
    session_id,
    anonymous_id,
    customer_id,
    lead_id,
    ---------- strings
    landing_page_url,
    device_type,
    utm_source,
    utm_medium,
    utm_campaign,
    ---------- numerics
    cast(session_number as integer) as session_number,
    cast(events as integer) as events,
    {%- for column_name in event_types.values() %}
        cast({{ column_name }} as integer) as {{ column_name }},
    {%- endfor %}
    cast(identified_customers as integer) as identified_customers,
    cast(identified_leads as integer) as identified_leads,
    cast(date_diff('second', session_started_at, session_ended_at) as integer) as session_duration_seconds,
    ---------- dates
    cast(session_started_at as date) as session_date,
    ---------- timestamps
    session_started_at,
    session_ended_at
from sessions
