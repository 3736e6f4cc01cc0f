-- Web events per visitor and slice of session_timeout_minutes() (30 minutes, aligned on midnight UTC):
-- the one pass over all events that the session models read (one hash aggregate, no sort).
-- Visitor: anonymous_id, else the resolved customer_id, else lead_id (events with none are left out).
-- Two events of one slice are less than 30 minutes apart, so they always share a session; only the
-- gap between a slice's first event and the visitor's previous event (the last of an earlier slice)
-- can start one: int_web_sessions_stitched sessionizes the slices (about 1.3 per session) instead of
-- the events. A slice never crosses midnight, so a snapshot cut (as_of_at, a midnight) never splits
-- one: int_web_sessions_built.
-- "First" means first by (occurred_at, event_id), as in a session. Cheaply: the first event is the one
-- at the slice's earliest time, the first customer (lead) is the slice's only one, the first device
-- the first event's. The aggregate keeps no struct or list state, so it spills to disk at any size:
-- events are ordered by one number (their time and a hash of their event_id: first_row_key), and the
-- first event's columns are taken one by one at its minimum. Where that is ambiguous (two events at the
-- earliest time, two customers or leads, a first event without a device: is_resolved_from_events), the
-- post-hook sets the first_* columns from the slice's events in the full order
-- (resolve_web_session_slices; usually no slice).
-- Incremental: the slices from incremental_window_start (the latest day held minus
-- incremental_lookback_days) are rebuilt from their events (macros/raw/incremental.sql).
{{ config(
    materialized=event_materialization(), incremental_strategy='keys_and_window', incremental_window_column='slice_start_at',
    post_hook="{{ resolve_web_session_slices(this) }}"
) }}
{%- set event_types = web_session_event_types() %}
{%- set first_event_columns = ['page_url', 'device_type', 'utm_source', 'utm_medium', 'utm_campaign'] %}

with

web_events as (
    select * from {{ ref('int_web_events_identified') }}
    {%- if is_incremental() %}
    where occurred_at >= {{ incremental_window_start(this, 'slice_start_at') }}
    {%- endif %}
),

visitor_events as (
    select
        {{ web_visitor_type() }} as visitor_type,
        {{ web_visitor_id() }} as visitor_id,
        {{ web_session_slice_start('occurred_at') }} as slice_start_at,
        customer_id,
        lead_id,
        event_type,
        page_url,
        device_type,
        utm_source,
        utm_medium,
        utm_campaign,
        occurred_at,
        {{ first_row_key('occurred_at', 'event_id') }} as event_order_key,
        {{ first_row_key('occurred_at', 'event_id', reverse=true) }} as event_order_key_reversed
    from web_events
    where {{ web_visitor_id() }} is not null
),

slices as (
    select
        visitor_type,
        visitor_id,
        slice_start_at,
        count(*) as events,
        {%- for event_type, column_name in event_types.items() %}
            count_if(event_type = '{{ event_type }}') as {{ column_name }},
        {%- endfor %}
        {%- for column_name in first_event_columns %}
            {{ min_by_keep_nulls(column_name, 'event_order_key') }} as first_{{ column_name }},
        {%- endfor %}
        min(event_order_key) as first_event_key,
        min(event_order_key_reversed) as first_event_key_reversed,
        count(device_type) as device_events,
        min(customer_id) as min_customer_id,
        max(customer_id) as max_customer_id,
        min(lead_id) as min_lead_id,
        max(lead_id) as max_lead_id,
        min(occurred_at) as first_event_at,
        max(occurred_at) as last_event_at
    from visitor_events
    group by visitor_type, visitor_id, slice_start_at
)

select
    ---------- ids
    visitor_type,
    visitor_id,
    case when min_customer_id = max_customer_id then min_customer_id end as first_customer_id,
    case when min_lead_id = max_lead_id then min_lead_id end as first_lead_id,
    min_customer_id,
    max_customer_id,
    min_lead_id,
    max_lead_id,
    ---------- strings
    first_page_url,
    first_device_type,
    first_utm_source,
    first_utm_medium,
    first_utm_campaign,
    ---------- numerics
    cast(events as integer) as events,
    {%- for column_name in event_types.values() %}
        cast({{ column_name }} as integer) as {{ column_name }},
    {%- endfor %}
    ---------- booleans
    coalesce(
        -- two events at the first time: the minima of the two keys name different events
        {{ first_row_time_hash('first_event_key', 'first_event_at') }}
        + {{ first_row_time_hash('first_event_key_reversed', 'first_event_at') }} != 18446744073709551615
        or min_customer_id != max_customer_id
        or min_lead_id != max_lead_id
        or (first_device_type is null and device_events > 0),
        false
    ) as is_resolved_from_events,
    ---------- timestamps
    slice_start_at,
    first_event_at,
    last_event_at
from slices
