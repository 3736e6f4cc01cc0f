{{ config(materialized='table') }}

with

raw_orders as (
    select * from {{ ref('base_shop__orders') }}
),

order_states as (
    select
        order_id,
        bool_or(reject_reason is null) as has_clean_row
    from raw_orders
    where order_id is not null
    group by order_id
),

typed as (
    {{ typed_raw_rows('shop', 'order_items') }}
),

normalized as (
    select
        ---------- ids
        typed.order_id,
        typed.product_id,
        ---------- strings
        lower(typed.product_category) as product_category,
        ---------- numerics
        typed.line_number,
        typed.quantity,
        typed.unit_price,
        ---------- audit
        order_states.has_clean_row as order_has_clean_row,
        typed.raw_record,
        typed.raw_copy_number,
        typed._raw_file,
        {{ value_issues(unparseable_value_checks('shop', 'order_items')) }} as value_issues
    from typed
    left join order_states
        on typed.order_id = order_states.order_id
),

checked as (
    select
        *,
        {{ first_matching_rule(missing_required_checks('shop', 'order_items', 'normalized') + [
            ('raw_copy_number > 1', 'duplicate_row', none),
            ('order_has_clean_row is null', 'orphan_foreign_key', 'order_id'),
            ('not order_has_clean_row', 'parent_quarantined', 'order_id'),
            ('quantity = 0', 'zero_quantity', 'quantity'),
            ('unit_price < 0', 'negative_unit_price', 'unit_price'),
        ]) }} as first_rejection
    from normalized
),

deduplicated as (
    select
        *,
        coalesce(
            first_rejection,
            case
                when line_number is not null
                    and row_number() over (
                        partition by order_id, line_number, first_rejection is null
                        order by cast(raw_record as varchar)
                    ) > 1
                    then {{ rejection('duplicate_key', 'line_number') }}
            end
        ) as rejected
    from checked
)

select
    order_id,
    line_number,
    product_id,
    product_category,
    quantity,
    unit_price,
    {{ quarantine_columns() }}
from deduplicated
