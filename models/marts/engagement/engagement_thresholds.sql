-- Adaptive engagement thresholds: for each of the last `engagement_threshold_days` days before the
-- current as-of date, the 50th / 80th / 95th percentile (linear interpolation, quantile_cont) of the
-- trailing 30-day web sessions of the customers active in those 30 days (>= 1 session): the same
-- quantity as `sessions_30d`, as of the day after. Inactive customers are left out of the percentiles,
-- or most of the base (0 sessions) would pull every threshold to 0. A day whose window holds no session
-- has a row with active_customers = 0 and null percentiles. Percentiles are rounded to 6 decimals, so
-- float noise (5.000000000000001 for an interpolated 5) cannot push a threshold above a customer
-- exactly at it. Rebuilt on every run.
{%- set threshold_days = var('engagement_threshold_days') %}

with

daily_activity as (
    select * from {{ ref('int_customer_daily_activity_aggregated') }}
),

snapshot_dates as (
    select * from {{ ref('int_snapshot_dates') }}
),

threshold_days as (
    select
        snapshot_dates.as_of_date - cast(day_offsets.day_offset as integer) as activity_date,
        snapshot_dates.as_of_date
    from snapshot_dates
    cross join range(1, {{ threshold_days }} + 1) as day_offsets (day_offset)
    where snapshot_dates.snapshot_name = 'current'
),

-- each threshold day with the 30 days of its window: the daily rows join on equality (a small hash
-- table), not on a date range (a range join over every daily row held the L build's memory)
threshold_windows as (
    select
        threshold_days.activity_date,
        threshold_days.activity_date - cast(window_offsets.window_offset as integer) as window_date
    from threshold_days
    cross join range(0, 30) as window_offsets (window_offset)
),

-- an integer, not the sum's wider type: the percentiles hold every value of a day in memory (30M at L)
trailing_activity as (
    select
        threshold_windows.activity_date,
        daily_activity.customer_id,
        cast(sum(daily_activity.sessions) as integer) as sessions_30d
    from threshold_windows
    inner join daily_activity
        on threshold_windows.window_date = daily_activity.activity_date
    group by threshold_windows.activity_date, daily_activity.customer_id
),

percentiles as (
    select
        activity_date,
        count(*) as active_customers,
        round(quantile_cont(sessions_30d, 0.5), 6) as sessions_30d_p50,
        round(quantile_cont(sessions_30d, 0.8), 6) as sessions_30d_p80,
        round(quantile_cont(sessions_30d, 0.95), 6) as sessions_30d_p95
    from trailing_activity
    group by activity_date
)

select
    ---------- numerics
    cast(coalesce(percentiles.active_customers, 0) as integer) as active_customers,
    cast(percentiles.sessions_30d_p50 as double) as sessions_30d_p50,
    cast(percentiles.sessions_30d_p80 as double) as sessions_30d_p80,
    cast(percentiles.sessions_30d_p95 as double) as sessions_30d_p95,
    ---------- booleans
    threshold_days.activity_date = threshold_days.as_of_date - 1 as is_current,
    ---------- dates
    threshold_days.activity_date,
    threshold_days.activity_date - 29 as window_start_date,
    threshold_days.as_of_date
from threshold_days
left join percentiles
    on threshold_days.activity_date = percentiles.activity_date
