{{ config(
    materialized='table', pre_hook="{{ raw_rejects_scan('orders') }}", post_hook="{{ drop_staged_steps() }}"
) }}

with

{{ typed_raw_rows('shop', 'orders') }},

checked as not materialized (
    select
        *,
        {{ first_matching_rule(contract_row_rules('shop', 'orders', model_rules=[
            ("status = 'completed' and amount < 0", 'negative_amount', 'amount'),
        ])) }} as first_rejection
    from typed
),

deduplicated as (
    {{ deduplicated_rows('shop', 'orders') }}
)

select
    order_id,
    customer_id,
    status as order_status,
    upper(currency) as currency,
    lower(channel) as channel,
    amount,
    ordered_at,
    {{ quarantine_columns() }}
from deduplicated
