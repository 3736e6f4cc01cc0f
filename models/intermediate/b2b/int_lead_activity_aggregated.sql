-- Web and email activity per lead over its activity window, as of the current snapshot:
--   [created_at - 30 days, min(as_of_at, created_at + lead_activity_window_days days))
-- Why a window: a lead's behaviour around its creation is what a lead score can know when it is
-- computed (shortly after creation). Activity later than that, when the sales process runs and most
-- conversions happen (demos, onboarding visits, post-conversion logins), stays out: it is a consequence
-- of converting, not a predictor. And a lead created years ago is measured over as long a time as a
-- new one, so the model does not learn "old leads did more". Leads younger than the window have it
-- cut at the snapshot (activity_window_days below 30 + lead_activity_window_days). The window never
-- depends on converted_at: its length would give the label away. Sessions are the current snapshot's
-- sessions stitched to the lead, counted when they start in the window, with their page views and form
-- submits and durations (time on site: the sum of session durations, last event minus first event of
-- each session by the 30-minute rule); an email is a (lead, campaign), counted once as opened / clicked
-- when that event falls in the window; bounces, unsubscribes and complaints are counted as events.
-- Last activity: the lead's latest own action in the window (a web event of any type, or an email open,
-- click, unsubscribe or complaint; sends, deliveries and bounces are the sender's), its time and type
-- (ties: the type first alphabetically), and the days from it to the window end.
{%- set days_before = 30 %}
{%- set days_after = var('lead_activity_window_days') %}

with

leads as (
    select * from {{ ref('stg_crm__leads') }}
),

sessions as (
    select * from {{ ref('int_web_sessions_built') }}
),

email_events as (
    select * from {{ ref('int_email_events_identified') }}
),

web_events as (
    select * from {{ ref('int_web_events_identified') }}
),

snapshot_dates as (
    select * from {{ ref('int_snapshot_dates') }}
),

lead_windows as (
    select
        leads.lead_id,
        snapshot_dates.as_of_date,
        leads.created_at - {{ days_interval(days_before) }} as activity_window_start_at,
        least(snapshot_dates.as_of_at, leads.created_at + {{ days_interval(days_after) }}) as activity_window_end_at
    from leads
    inner join snapshot_dates
        on leads.created_at < snapshot_dates.as_of_at
    where snapshot_dates.snapshot_name = 'current'
),

lead_sessions as (
    select
        lead_windows.lead_id,
        count(*) as sessions,
        sum(sessions.page_views) as page_views,
        sum(sessions.form_submits) as form_submits,
        sum(sessions.session_duration_seconds) as time_on_site_seconds
    from lead_windows
    inner join sessions
        on
            lead_windows.lead_id = sessions.lead_id
            and lead_windows.activity_window_start_at <= sessions.session_started_at
            and lead_windows.activity_window_end_at > sessions.session_started_at
    where sessions.snapshot_name = 'current'
    group by lead_windows.lead_id
),

lead_emails as (
    select
        lead_windows.lead_id,
        count(distinct coalesce('campaign:' || email_events.campaign_id, 'event:' || email_events.event_id))
        filter (where email_events.event_type = 'open') as email_opens,
        count(distinct coalesce('campaign:' || email_events.campaign_id, 'event:' || email_events.event_id))
        filter (where email_events.event_type = 'click') as email_clicks,
        count(*) filter (where email_events.event_type = 'bounce') as email_bounces,
        count(*) filter (where email_events.event_type = 'unsubscribe') as email_unsubscribes,
        count(*) filter (where email_events.event_type = 'complaint') as email_complaints
    from lead_windows
    inner join email_events
        on
            lead_windows.lead_id = email_events.lead_id
            and lead_windows.activity_window_start_at <= email_events.occurred_at
            and lead_windows.activity_window_end_at > email_events.occurred_at
    group by lead_windows.lead_id
),

lead_actions as (
    select
        lead_windows.lead_id,
        'web_' || web_events.event_type as activity_type,
        web_events.occurred_at
    from lead_windows
    inner join web_events
        on
            lead_windows.lead_id = web_events.lead_id
            and lead_windows.activity_window_start_at <= web_events.occurred_at
            and lead_windows.activity_window_end_at > web_events.occurred_at
    union all
    select
        lead_windows.lead_id,
        'email_' || email_events.event_type as activity_type,
        email_events.occurred_at
    from lead_windows
    inner join email_events
        on
            lead_windows.lead_id = email_events.lead_id
            and lead_windows.activity_window_start_at <= email_events.occurred_at
            and lead_windows.activity_window_end_at > email_events.occurred_at
    where email_events.event_type in ('open', 'click', 'unsubscribe', 'complaint')
),

last_actions as (
    select
        lead_id,
        activity_type as last_activity_type,
        occurred_at as last_activity_at
    from lead_actions
    qualify row_number() over (partition by lead_id order by occurred_at desc, activity_type asc) = 1
)

select
    ---------- ids
    lead_windows.lead_id,
    ---------- strings
    last_actions.last_activity_type,
    ---------- numerics
    cast(coalesce(lead_sessions.sessions, 0) as integer) as sessions_in_window,
    cast(coalesce(lead_sessions.page_views, 0) as integer) as page_views_in_window,
    cast(coalesce(lead_sessions.form_submits, 0) as integer) as form_submits_in_window,
    cast(coalesce(lead_emails.email_opens, 0) as integer) as email_opens_in_window,
    cast(coalesce(lead_emails.email_clicks, 0) as integer) as email_clicks_in_window,
    cast(coalesce(lead_emails.email_bounces, 0) as integer) as email_bounces_in_window,
    cast(coalesce(lead_emails.email_unsubscribes, 0) as integer) as email_unsubscribes_in_window,
    cast(coalesce(lead_emails.email_complaints, 0) as integer) as email_complaints_in_window,
    cast(coalesce(lead_sessions.time_on_site_seconds, 0) as integer) as time_on_site_seconds_in_window,
    {{ safe_ratio('lead_sessions.page_views', 'lead_sessions.sessions') }} as pages_per_session_in_window,
    cast(
        {{ date_difference('second', 'last_actions.last_activity_at', 'lead_windows.activity_window_end_at') }} / 86400
        as double
    ) as days_since_last_activity,
    cast(
        {{ date_difference(
            'second', 'lead_windows.activity_window_start_at', 'lead_windows.activity_window_end_at'
        ) }} / 86400
        as double
    ) as activity_window_days,
    ---------- dates
    lead_windows.as_of_date,
    ---------- timestamps
    lead_windows.activity_window_start_at,
    lead_windows.activity_window_end_at,
    last_actions.last_activity_at
from lead_windows
left join lead_sessions
    on lead_windows.lead_id = lead_sessions.lead_id
left join lead_emails
    on lead_windows.lead_id = lead_emails.lead_id
left join last_actions
    on lead_windows.lead_id = last_actions.lead_id
