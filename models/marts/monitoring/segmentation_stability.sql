-- How stable a segmentation is between consecutive as-of dates, from the contingency table of
-- segment_transitions (customers present at both dates): the adjusted Rand index (Hubert & Arabie,
-- as sklearn.metrics.adjusted_rand_score: invariant to relabelling, so correct whether segment ids
-- are kept between builds or not), the share of customers who kept their segment (by segment id:
-- meaningful when ids are stable), the share who went where most of their segment went (invariant
-- to relabelling), and the new and lost customers.
--   With n_ij the contingency cells, a_i / b_j its row / column sums, n = sum n_ij, C(x) = x (x - 1) / 2
--   and index = sum C(n_ij), rows = sum C(a_i), columns = sum C(b_j), pairs = C(n):
--   ARI = (index - rows * columns / pairs) / ((rows + columns) / 2 - rows * columns / pairs)
--       = 2 (index * pairs - rows * columns) / ((rows + columns) * pairs - 2 rows * columns),
--   in exact integer (hugeint) arithmetic up to the final division. When index = rows = columns the two
--   partitions are identical and ARI = 1 (sklearn's special case, which also covers n = 1); null when
--   no customer is present at both dates. stability_level: error below var stability_ari_error, warn
--   below stability_ari_warn (the alert test applies it to the cluster segments only: RFM cells move by
--   design as recency advances).

with

transitions as (
    select * from {{ ref('segment_transitions') }}
),

date_pairs as (
    select
        segmentation,
        from_as_of_date,
        to_as_of_date,
        bool_or(is_current_build) as is_current_build,
        coalesce(sum(customers) filter (where transition_type in ('stayed', 'moved')), 0) as customers_in_both,
        coalesce(sum(customers) filter (where transition_type = 'stayed'), 0) as customers_kept,
        coalesce(sum(customers) filter (where transition_type = 'new'), 0) as new_customers,
        coalesce(sum(customers) filter (where transition_type = 'lost'), 0) as lost_customers,
        sum({{ pair_count('customers') }}) filter (
            where transition_type in ('stayed', 'moved')
        ) as index_pairs
    from transitions
    group by segmentation, from_as_of_date, to_as_of_date
),

contingency as (
    select * from transitions
    where transition_type in ('stayed', 'moved')
),

from_sums as (
    select
        segmentation,
        from_as_of_date,
        to_as_of_date,
        from_segment,
        sum(customers) as customers,
        max(customers) as customers_to_main_destination
    from contingency
    group by segmentation, from_as_of_date, to_as_of_date, from_segment
),

to_sums as (
    select
        segmentation,
        from_as_of_date,
        to_as_of_date,
        to_segment,
        sum(customers) as customers
    from contingency
    group by segmentation, from_as_of_date, to_as_of_date, to_segment
),

from_pairs as (
    select
        segmentation,
        from_as_of_date,
        to_as_of_date,
        sum({{ pair_count('customers') }}) as row_pairs,
        sum(customers_to_main_destination) as customers_to_main_destination
    from from_sums
    group by segmentation, from_as_of_date, to_as_of_date
),

to_pairs as (
    select
        segmentation,
        from_as_of_date,
        to_as_of_date,
        sum({{ pair_count('customers') }}) as column_pairs
    from to_sums
    group by segmentation, from_as_of_date, to_as_of_date
),

pair_counts as (
    select
        date_pairs.*,
        coalesce(from_pairs.row_pairs, 0) as row_pairs,
        coalesce(to_pairs.column_pairs, 0) as column_pairs,
        {{ pair_count('date_pairs.customers_in_both') }} as all_pairs,
        from_pairs.customers_to_main_destination
    from date_pairs
    left join from_pairs
        on
            date_pairs.segmentation = from_pairs.segmentation
            and date_pairs.from_as_of_date = from_pairs.from_as_of_date
            and date_pairs.to_as_of_date = from_pairs.to_as_of_date
    left join to_pairs
        on
            date_pairs.segmentation = to_pairs.segmentation
            and date_pairs.from_as_of_date = to_pairs.from_as_of_date
            and date_pairs.to_as_of_date = to_pairs.to_as_of_date
),

ari as (
    select
        *,
        case
            when customers_in_both = 0 then null
            when coalesce(index_pairs, 0) = row_pairs and row_pairs = column_pairs then 1.0
            else
                2 * cast(index_pairs * all_pairs - row_pairs * column_pairs as double)
                / cast((row_pairs + column_pairs) * all_pairs - 2 * row_pairs * column_pairs as double)
        end as adjusted_rand_index
    from pair_counts
)

select
    ---------- strings
    segmentation,
    case
        when adjusted_rand_index is null then null
        when adjusted_rand_index < {{ var('stability_ari_error') }} then 'error'
        when adjusted_rand_index < {{ var('stability_ari_warn') }} then 'warn'
        else 'ok'
    end as stability_level,
    ---------- numerics
    cast(customers_in_both + lost_customers as bigint) as from_customers,
    cast(customers_in_both + new_customers as bigint) as to_customers,
    cast(customers_in_both as bigint) as customers_in_both,
    cast(new_customers as bigint) as new_customers,
    cast(lost_customers as bigint) as lost_customers,
    adjusted_rand_index,
    case when customers_in_both > 0 then customers_kept / customers_in_both end as kept_segment_share,
    case when customers_in_both > 0 then customers_to_main_destination / customers_in_both end
        as main_destination_share,
    ---------- booleans
    is_current_build,
    ---------- dates
    from_as_of_date,
    to_as_of_date
from ari
