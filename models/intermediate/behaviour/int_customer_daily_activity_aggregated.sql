-- Web activity per customer and UTC day, from the sessions of the `current` snapshot: the input of the
-- moving engagement thresholds. A session counts on the day it started, so every row has sessions >= 1
-- (a day without a session has no row).
with

sessions as (
    select * from {{ ref('int_web_sessions_built') }}
),

current_sessions as (
    select
        customer_id,
        session_date,
        events,
        page_views,
        session_duration_seconds
    from sessions
    where
        snapshot_name = 'current'
        and customer_id is not null
)

select
    ---------- ids
    customer_id,
    ---------- numerics
    cast(count(*) as integer) as sessions,
    cast(sum(events) as integer) as events,
    cast(sum(page_views) as integer) as page_views,
    cast(sum(session_duration_seconds) as integer) as session_seconds,
    ---------- dates
    session_date as activity_date
from current_sessions
group by customer_id, session_date
