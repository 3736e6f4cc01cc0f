{{ config(
    materialized='table', pre_hook="{{ raw_rejects_scan('order_items') }}", post_hook="{{ drop_staged_steps() }}"
) }}

with

{{ typed_raw_rows('shop', 'order_items') }},

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

normalized as not materialized (
    select
        typed.*,
        order_states.has_clean_row as order_has_clean_row
    from typed
    left join order_states
        on typed.order_id = order_states.order_id
),

checked as not materialized (
    select
        *,
        {{ first_matching_rule(contract_row_rules('shop', 'order_items', model_rules=[
            ('order_has_clean_row is null', 'orphan_foreign_key', 'order_id'),
            ('not order_has_clean_row', 'parent_quarantined', 'order_id'),
            ('quantity = 0', 'zero_quantity', 'quantity'),
            ('unit_price < 0', 'negative_unit_price', 'unit_price'),
        ])) }} as first_rejection
    from normalized
),

deduplicated as (
    {{ deduplicated_rows('shop', 'order_items') }}
)

select
    order_id,
    line_number,
    product_id,
    lower(product_category) as product_category,
    quantity,
    unit_price,
    {{ quarantine_columns() }}
from deduplicated
