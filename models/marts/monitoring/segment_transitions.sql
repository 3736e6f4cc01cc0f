-- How customers moved between consecutive as-of dates of the membership history, for the cluster
-- segments (by segment_id) and the RFM segments: one row per pair of dates, from-segment and
-- to-segment, with `new` (absent at the from-date) and `lost` (absent at the to-date) customers on
-- rows of their own, so the rows of a from-segment sum to its size. Consecutive = the next date in
-- the history that has that segmentation (a date where the segmentation was skipped is left out).
with

membership as (
    select * from {{ ref('segment_membership_history') }}
),

snapshot_dates as (
    select * from {{ ref('int_snapshot_dates') }}
),

current_snapshot as (
    select as_of_date from snapshot_dates
    where snapshot_name = 'current'
),

labels as (
    select
        as_of_date,
        customer_id,
        'cluster' as segmentation,
        cast(segment_id as varchar) as segment,
        segment_name
    from membership
    where segment_id is not null
    union all
    select
        as_of_date,
        customer_id,
        'rfm' as segmentation,
        rfm_segment as segment,
        rfm_segment as segment_name
    from membership
    where rfm_segment is not null
),

segmentation_dates as (
    select distinct
        segmentation,
        as_of_date
    from labels
),

date_pairs as (
    select
        segmentation,
        lag(as_of_date) over (partition by segmentation order by as_of_date) as from_as_of_date,
        as_of_date as to_as_of_date
    from segmentation_dates
    qualify lag(as_of_date) over (partition by segmentation order by as_of_date) is not null
),

sides as (
    select
        date_pairs.segmentation,
        date_pairs.from_as_of_date,
        date_pairs.to_as_of_date,
        labels.customer_id,
        labels.segment as from_segment,
        labels.segment_name as from_segment_name,
        cast(null as varchar) as to_segment,
        cast(null as varchar) as to_segment_name
    from date_pairs
    inner join labels
        on
            date_pairs.segmentation = labels.segmentation
            and date_pairs.from_as_of_date = labels.as_of_date
    union all
    select
        date_pairs.segmentation,
        date_pairs.from_as_of_date,
        date_pairs.to_as_of_date,
        labels.customer_id,
        null as from_segment,
        null as from_segment_name,
        labels.segment as to_segment,
        labels.segment_name as to_segment_name
    from date_pairs
    inner join labels
        on
            date_pairs.segmentation = labels.segmentation
            and date_pairs.to_as_of_date = labels.as_of_date
),

customer_moves as (
    select
        segmentation,
        from_as_of_date,
        to_as_of_date,
        customer_id,
        max(from_segment) as from_segment,
        max(from_segment_name) as from_segment_name,
        max(to_segment) as to_segment,
        max(to_segment_name) as to_segment_name
    from sides
    group by segmentation, from_as_of_date, to_as_of_date, customer_id
),

transitions as (
    select
        segmentation,
        from_as_of_date,
        to_as_of_date,
        from_segment,
        from_segment_name,
        to_segment,
        to_segment_name,
        case
            when from_segment is null then 'new'
            when to_segment is null then 'lost'
            when from_segment = to_segment then 'stayed'
            else 'moved'
        end as transition_type,
        count(*) as customers
    from customer_moves
    group by all
)

select
    ---------- strings
    transitions.segmentation,
    transitions.from_segment,
    transitions.from_segment_name,
    transitions.to_segment,
    transitions.to_segment_name,
    transitions.transition_type,
    ---------- numerics
    transitions.customers,
    case
        when transitions.from_segment is not null
            then transitions.customers / sum(transitions.customers) over from_segment_window
    end as share_of_from_segment,
    ---------- booleans
    transitions.to_as_of_date = current_snapshot.as_of_date as is_current_build,
    ---------- dates
    transitions.from_as_of_date,
    transitions.to_as_of_date
from transitions
cross join current_snapshot
window from_segment_window as (
    partition by
        transitions.segmentation, transitions.from_as_of_date, transitions.to_as_of_date, transitions.from_segment
)
