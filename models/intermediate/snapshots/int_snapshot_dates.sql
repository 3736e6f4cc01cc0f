-- The as-of dates every point-in-time feature is computed for: one row per snapshot.
-- `current` is the var as_of_date, or the day after the latest clean order or event;
-- `training` is current - propensity_horizon_days (the propensity model learns there).
-- Feature SQL joins this table and reads only rows strictly before `as_of_date`, so the same SQL
-- produces every snapshot without leaking later data.
with

orders as (
    select * from {{ ref('stg_shop__orders') }}
),

web_events as (
    select * from {{ ref('stg_web__events') }}
),

email_events as (
    select * from {{ ref('stg_email__events') }}
),

latest_activity as (
    select max(ordered_at) as latest_at from orders
    union all
    select max(occurred_at) from web_events
    union all
    select max(occurred_at) from email_events
),

current_snapshot as (
    select
        {%- if var('as_of_date') %}
        max(cast('{{ var("as_of_date") }}' as date)) as as_of_date
        {%- else %}
            coalesce(cast(max(latest_at) as date) + 1, cast({{ build_time() }} as date)) as as_of_date
        {%- endif %}
    from latest_activity
),

snapshots as (
    select
        'current' as snapshot_name,
        as_of_date
    from current_snapshot
    union all
    select
        'training' as snapshot_name,
        as_of_date - {{ var('propensity_horizon_days') }} as as_of_date
    from current_snapshot
)

select
    snapshot_name,
    as_of_date,
    cast(as_of_date as timestamp) as as_of_at
from snapshots
