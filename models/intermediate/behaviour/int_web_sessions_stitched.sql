-- Every web session over all events, built once (no snapshot cut: int_web_sessions_built cuts them),
-- from the slices of int_web_session_slices_aggregated. A slice starts a session when its first event
-- comes more than session_timeout_minutes() after the visitor's previous event; that event is the last
-- of the adjacent earlier slice, or the gap is longer than the timeout (no adjacent slice). Sessions
-- are numbered per visitor in time order. A session is stitched to the customer (lead) of its first
-- event that carries a customer_id (lead_id), by (occurred_at, event_id): the first such event of its
-- first slice that has one. identified_customers / identified_leads are 0 or 1 from the slices'
-- smallest and largest ids; when these differ (a shared device: is_counted_from_events), the post-hook
-- counts the distinct ids of the session's events (count_web_session_identities).
-- Incremental: every session of the affected visitors is stitched again from all their slices; a
-- visitor is affected when a slice or a stored session of theirs lies in the window
-- (incremental_window_start: the latest day held minus incremental_lookback_days).
{{ config(
    materialized=event_materialization(), incremental_strategy='keys_and_window', unique_key=['visitor_type', 'visitor_id'],
    incremental_window_column='session_ended_at', post_hook="{{ count_web_session_identities(this) }}"
) }}
{%- set affected_visitors = "(visitor_type, visitor_id) in (select visitor_type, visitor_id from affected_visitors)" %}

with

{% if is_incremental() -%}
affected_visitors as materialized (
    select
        visitor_type,
        visitor_id
    from {{ ref('int_web_session_slices_aggregated') }}
    where slice_start_at >= {{ incremental_window_start(this, 'session_ended_at') }}
    union
    select
        visitor_type,
        visitor_id
    from {{ this }}
    where session_ended_at >= {{ incremental_window_start(this, 'session_ended_at') }}
),

{% endif -%}
slices as (
    select * from {{ ref('int_web_session_slices_aggregated') }}
    {%- if is_incremental() %}
    where {{ affected_visitors }}
    {%- endif %}
),

-- the visitor's previous slice, from one window over the slices (no self-join): it is adjacent when it
-- starts session_timeout_minutes() earlier, and only an adjacent slice can hold an event within the timeout
slice_starts as (
    select
        *,
        coalesce(
            case
                when
                    lag(slice_start_at) over visitor_slices
                    = slice_start_at - interval {{ session_timeout_minutes() }} minute
                    then
                        first_event_at - lag(last_event_at) over visitor_slices
                        > interval {{ session_timeout_minutes() }} minute
            end,
            true
        ) as is_session_start
    from slices
    window visitor_slices as (partition by visitor_type, visitor_id order by slice_start_at)
),

numbered_slices as (
    select
        *,
        sum(cast(is_session_start as integer)) over (
            partition by visitor_type, visitor_id
            order by slice_start_at
            rows between unbounded preceding and current row
        ) as session_number
    from slice_starts
),

sessions as (
    select
        visitor_type,
        visitor_id,
        session_number,
        max(first_page_url) filter (where is_session_start) as landing_page_url,
        max(first_utm_source) filter (where is_session_start) as utm_source,
        max(first_utm_medium) filter (where is_session_start) as utm_medium,
        max(first_utm_campaign) filter (where is_session_start) as utm_campaign,
        min(first_event_at) as session_started_at,
        {{ web_session_aggregates_from_slices('numbered_slices') }}
    from numbered_slices
    group by visitor_type, visitor_id, session_number
)

select
    sessions.visitor_type,
    sessions.visitor_id,
    {{ web_session_columns('sessions') }},
    ---------- booleans
    coalesce(
        sessions.min_customer_id != sessions.max_customer_id or sessions.min_lead_id != sessions.max_lead_id,
        false
    ) as is_counted_from_events
from sessions
