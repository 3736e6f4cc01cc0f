-- Web sessions per snapshot, as if built from the events strictly before its as_of_at only (a training
-- session never sees a later event, not even the one that would stitch it). Sessions are built once
-- (int_web_sessions_stitched); a session's number depends only on earlier events, so per snapshot:
-- the sessions that ended before the cut are kept whole, and a session that straddles the cut
-- (started before, ended at or after it) is combined again from its slices before the cut, which
-- are exactly its events before the cut (a slice never crosses midnight). Later sessions are left out.
{{ config(materialized='view') }}

with

-- the sessions are imported once per use: DuckDB would copy a CTE that is read more than once
sessions as (
    select * from {{ ref('int_web_sessions_stitched') }}
),

sessions_at_cuts as (
    select * from {{ ref('int_web_sessions_stitched') }}
),

slices as (
    select * from {{ ref('int_web_session_slices_aggregated') }}
),

web_events as (
    select * from {{ ref('int_web_events_identified') }}
),

snapshot_dates as (
    select * from {{ ref('int_snapshot_dates') }}
),

whole_sessions as (
    select
        snapshot_dates.snapshot_name,
        sessions.* exclude (sessions.visitor_type, sessions.visitor_id, sessions.is_counted_from_events)
    from sessions
    inner join snapshot_dates
        on sessions.session_ended_at < snapshot_dates.as_of_at
),

straddling_sessions as (
    select
        snapshot_dates.snapshot_name,
        snapshot_dates.as_of_at,
        sessions_at_cuts.*
    from sessions_at_cuts
    inner join snapshot_dates
        on
            sessions_at_cuts.session_started_at < snapshot_dates.as_of_at
            and sessions_at_cuts.session_ended_at >= snapshot_dates.as_of_at
),

cut_sessions as (
    -- the visitor's slices from the session's first slice to the cut all belong to the session
    select
        straddling_sessions.snapshot_name,
        straddling_sessions.visitor_type,
        straddling_sessions.visitor_id,
        straddling_sessions.session_number,
        straddling_sessions.landing_page_url,
        straddling_sessions.utm_source,
        straddling_sessions.utm_medium,
        straddling_sessions.utm_campaign,
        straddling_sessions.session_started_at,
        {{ web_session_aggregates_from_slices('slices') }}
    from straddling_sessions
    inner join slices
        on
            straddling_sessions.visitor_type = slices.visitor_type
            and straddling_sessions.visitor_id = slices.visitor_id
            and {{ web_session_slice_start('straddling_sessions.session_started_at') }} <= slices.slice_start_at
            and straddling_sessions.as_of_at > slices.slice_start_at
    group by
        straddling_sessions.snapshot_name,
        straddling_sessions.visitor_type,
        straddling_sessions.visitor_id,
        straddling_sessions.session_number,
        straddling_sessions.landing_page_url,
        straddling_sessions.utm_source,
        straddling_sessions.utm_medium,
        straddling_sessions.utm_campaign,
        straddling_sessions.session_started_at
),

cut_identified_counts as (
    {{ web_session_identified_counts(
        'cut_sessions', 'web_events', ['snapshot_name', 'visitor_type', 'visitor_id', 'session_number'],
        'flagged.min_customer_id != flagged.max_customer_id or flagged.min_lead_id != flagged.max_lead_id'
    ) }}
)

select * from whole_sessions
union all
select
    cut_sessions.snapshot_name,
    {{ web_session_columns('cut_sessions', 'cut_identified_counts') }}
from cut_sessions
left join cut_identified_counts
    on
        cut_sessions.snapshot_name = cut_identified_counts.snapshot_name
        and cut_sessions.visitor_type = cut_identified_counts.visitor_type
        and cut_sessions.visitor_id = cut_identified_counts.visitor_id
        and cut_sessions.session_number = cut_identified_counts.session_number
