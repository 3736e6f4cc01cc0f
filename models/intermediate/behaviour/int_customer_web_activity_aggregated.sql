-- Web behaviour per snapshot and customer, from the customer's stitched sessions before as_of_at.
-- Windows are the last 7/30/90 days before the snapshot, by session start; a session's events count
-- with it. Only customers with at least one session before the snapshot have a row: joined to a
-- customer spine, a missing row means no web activity (counts 0, rates and recencies null).
with

sessions as (
    select * from {{ ref('int_web_sessions_built') }}
),

snapshot_dates as (
    select * from {{ ref('int_snapshot_dates') }}
),

customer_sessions as (
    select
        sessions.snapshot_name,
        sessions.session_id,
        sessions.customer_id,
        sessions.device_type,
        sessions.utm_source,
        sessions.page_views,
        sessions.product_views,
        sessions.add_to_carts,
        sessions.checkouts,
        sessions.searches,
        sessions.video_plays,
        sessions.form_submits,
        sessions.session_duration_seconds,
        snapshot_dates.as_of_date,
        sessions.session_started_at,
        sessions.session_ended_at,
        snapshot_dates.as_of_at
    from sessions
    inner join snapshot_dates
        on sessions.snapshot_name = snapshot_dates.snapshot_name
    where sessions.customer_id is not null
),

windowed as (
    select
        snapshot_name,
        customer_id,
        count_if({{ in_last_days('session_started_at', 'as_of_at', 7) }}) as sessions_7d,
        count_if({{ in_last_days('session_started_at', 'as_of_at', 30) }}) as sessions_30d,
        count_if({{ in_last_days('session_started_at', 'as_of_at', 30, 30) }}) as sessions_prior_30d,
        count_if({{ in_last_days('session_started_at', 'as_of_at', 90) }}) as sessions_90d,
        coalesce(sum(page_views) filter (where {{ in_last_days('session_started_at', 'as_of_at', 30) }}), 0)
            as page_views_30d,
        {%- for column_name in ['page_views', 'product_views', 'add_to_carts', 'checkouts', 'searches',
                                'video_plays', 'form_submits'] %}
            coalesce(sum({{ column_name }}) filter (where {{ in_last_days('session_started_at', 'as_of_at', 90) }}), 0)
                as {{ column_name }}_90d,
        {%- endfor %}
        avg(session_duration_seconds) filter (where {{ in_last_days('session_started_at', 'as_of_at', 90) }})
            as avg_session_seconds_90d,
        {{ min_by_keep_nulls('utm_source', order_key(['session_started_at', 'session_id'])) }} as first_utm_source,
        max(as_of_date) as as_of_date,
        max(session_ended_at) as last_activity_at
    from customer_sessions
    group by snapshot_name, customer_id
),

device_sessions as (
    select
        snapshot_name,
        customer_id,
        device_type,
        count(*) as sessions
    from customer_sessions
    where device_type is not null
    group by snapshot_name, customer_id, device_type
),

main_devices as (
    -- the device of most sessions; on a tie the alphabetically smallest
    select
        snapshot_name,
        customer_id,
        min_by(device_type, {{ order_key(['-sessions', 'device_type']) }}) as main_device
    from device_sessions
    group by snapshot_name, customer_id
)

select
    ---------- ids
    windowed.snapshot_name,
    windowed.customer_id,
    ---------- strings
    main_devices.main_device,
    coalesce(windowed.first_utm_source, 'direct') as main_utm_source,
    ---------- numerics
    cast(windowed.sessions_7d as integer) as sessions_7d,
    cast(windowed.sessions_30d as integer) as sessions_30d,
    cast(windowed.sessions_90d as integer) as sessions_90d,
    cast(windowed.page_views_30d as integer) as page_views_30d,
    cast(windowed.page_views_90d as integer) as page_views_90d,
    {{ safe_ratio('windowed.page_views_90d', 'windowed.sessions_90d') }} as pages_per_session_90d,
    cast(windowed.avg_session_seconds_90d as double) as avg_session_seconds_90d,
    cast(windowed.product_views_90d as integer) as product_views_90d,
    cast(windowed.add_to_carts_90d as integer) as add_to_cart_90d,
    cast(windowed.checkouts_90d as integer) as checkouts_90d,
    cast(windowed.searches_90d as integer) as searches_90d,
    cast(windowed.video_plays_90d as integer) as video_plays_90d,
    cast(windowed.form_submits_90d as integer) as form_submits_90d,
    cast({{ days_since('windowed.last_activity_at', 'windowed.as_of_date') }} as integer) as days_since_last_activity,
    {{ bounded_trend('windowed.sessions_30d', 'windowed.sessions_prior_30d') }} as engagement_trend
from windowed
left join main_devices
    on
        windowed.snapshot_name = main_devices.snapshot_name
        and windowed.customer_id = main_devices.customer_id
