-- Per segment and pair of consecutive as-of dates (from segment_transitions): its size and share of
-- all customers at both dates, the change of share, and its retention (the share of its customers
-- present at both dates who are in the same segment at the to-date). Cluster segments are matched
-- by segment_id, so retention and share change speak of the same segment only when ids are stable.
-- share_change_level: warn when the share moves by more than var segment_share_change_warn.
with

transitions as (
    select * from {{ ref('segment_transitions') }}
),

from_sides as (
    select
        segmentation,
        from_as_of_date,
        to_as_of_date,
        from_segment as segment,
        any_value(from_segment_name) as from_segment_name,
        sum(customers) as from_customers,
        coalesce(sum(customers) filter (where transition_type in ('stayed', 'moved')), 0) as from_customers_in_both,
        coalesce(sum(customers) filter (where transition_type = 'stayed'), 0) as customers_kept
    from transitions
    where from_segment is not null
    group by segmentation, from_as_of_date, to_as_of_date, from_segment
),

to_sides as (
    select
        segmentation,
        from_as_of_date,
        to_as_of_date,
        to_segment as segment,
        any_value(to_segment_name) as to_segment_name,
        sum(customers) as to_customers
    from transitions
    where to_segment is not null
    group by segmentation, from_as_of_date, to_as_of_date, to_segment
),

date_pairs as (
    select
        segmentation,
        from_as_of_date,
        to_as_of_date,
        bool_or(is_current_build) as is_current_build
    from transitions
    group by segmentation, from_as_of_date, to_as_of_date
),

segments as (
    select
        coalesce(from_sides.segmentation, to_sides.segmentation) as segmentation,
        coalesce(from_sides.from_as_of_date, to_sides.from_as_of_date) as from_as_of_date,
        coalesce(from_sides.to_as_of_date, to_sides.to_as_of_date) as to_as_of_date,
        coalesce(from_sides.segment, to_sides.segment) as segment,
        from_sides.from_segment_name,
        to_sides.to_segment_name,
        coalesce(from_sides.from_customers, 0) as from_customers,
        coalesce(to_sides.to_customers, 0) as to_customers,
        coalesce(from_sides.from_customers_in_both, 0) as from_customers_in_both,
        coalesce(from_sides.customers_kept, 0) as customers_kept
    from from_sides
    full outer join to_sides
        on
            from_sides.segmentation = to_sides.segmentation
            and from_sides.from_as_of_date = to_sides.from_as_of_date
            and from_sides.to_as_of_date = to_sides.to_as_of_date
            and from_sides.segment = to_sides.segment
),

shares as (
    select
        *,
        from_customers / sum(from_customers) over pair_window as from_share,
        to_customers / sum(to_customers) over pair_window as to_share
    from segments
    window pair_window as (partition by segmentation, from_as_of_date, to_as_of_date)
)

select
    ---------- strings
    shares.segmentation,
    shares.segment,
    shares.from_segment_name,
    shares.to_segment_name,
    case
        when abs(shares.to_share - shares.from_share) > {{ var('segment_share_change_warn') }} then 'warn'
        else 'ok'
    end as share_change_level,
    ---------- numerics
    cast(shares.from_customers as bigint) as from_customers,
    cast(shares.to_customers as bigint) as to_customers,
    cast(shares.from_customers_in_both as bigint) as from_customers_in_both,
    cast(shares.customers_kept as bigint) as customers_kept,
    case when shares.from_customers_in_both > 0 then shares.customers_kept / shares.from_customers_in_both end
        as retention,
    shares.from_share,
    shares.to_share,
    shares.to_share - shares.from_share as share_change,
    ---------- booleans
    date_pairs.is_current_build,
    ---------- dates
    shares.from_as_of_date,
    shares.to_as_of_date
from shares
inner join date_pairs
    on
        shares.segmentation = date_pairs.segmentation
        and shares.from_as_of_date = date_pairs.from_as_of_date
        and shares.to_as_of_date = date_pairs.to_as_of_date
