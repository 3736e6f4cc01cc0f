-- one row per snapshot and customer with a completed order before the as-of date: when and what
-- the customer buys. From the orders: preferred weekday and hour (the mode, smallest on a tie) and
-- the share of spend in the holiday season (November and December). From the paid lines (quantity > 0
-- and unit_price > 0) of those orders: spend shares of the categories of spend_share_categories()
-- and of all others together, the Shannon entropy of the category spend shares, the average unit
-- price and its percentile among the customers of the snapshot (price_level).
{%- set categories = spend_share_categories() %}

with

orders as (
    select * from {{ ref('int_orders_identified') }}
),

order_items as (
    select * from {{ ref('stg_shop__order_items') }}
),

snapshot_dates as (
    select * from {{ ref('int_snapshot_dates') }}
),

snapshot_orders as (
    select
        snapshot_dates.snapshot_name,
        orders.customer_id,
        orders.order_id,
        orders.amount,
        orders.ordered_at
    from orders
    inner join snapshot_dates
        on orders.ordered_at < snapshot_dates.as_of_at
    where orders.order_status = 'completed'
),

order_slots as (
    -- orders per weekday and hour: the modes and the holiday share are summed from these
    select
        snapshot_name,
        customer_id,
        {{ iso_weekday('ordered_at') }} as purchase_weekday,
        hour(ordered_at) as purchase_hour,
        count(*) as orders,
        sum(amount) as amount,
        coalesce(sum(amount) filter (where month(ordered_at) in (11, 12)), 0) as holiday_amount
    from snapshot_orders
    group by snapshot_name, customer_id, {{ iso_weekday('ordered_at') }}, hour(ordered_at)
),

weekday_orders as (
    select
        snapshot_name,
        customer_id,
        purchase_weekday,
        sum(orders) as orders
    from order_slots
    group by snapshot_name, customer_id, purchase_weekday
),

hour_orders as (
    select
        snapshot_name,
        customer_id,
        purchase_hour,
        sum(orders) as orders
    from order_slots
    group by snapshot_name, customer_id, purchase_hour
),

preferred_weekdays as (
    select
        snapshot_name,
        customer_id,
        {{ most_frequent('purchase_weekday', 'orders') }} as preferred_purchase_weekday
    from weekday_orders
    group by snapshot_name, customer_id
),

preferred_hours as (
    select
        snapshot_name,
        customer_id,
        {{ most_frequent('purchase_hour', 'orders') }} as preferred_purchase_hour
    from hour_orders
    group by snapshot_name, customer_id
),

order_timing as (
    select
        order_slots.snapshot_name,
        order_slots.customer_id,
        {{ safe_ratio('sum(order_slots.holiday_amount)', 'sum(order_slots.amount)') }} as holiday_spend_share
    from order_slots
    group by order_slots.snapshot_name, order_slots.customer_id
),

category_spend as (
    select
        snapshot_orders.snapshot_name,
        snapshot_orders.customer_id,
        coalesce(order_items.product_category, 'unknown') as product_category,
        sum(order_items.quantity) as units,
        sum(order_items.quantity * order_items.unit_price) as spend
    from snapshot_orders
    inner join order_items
        on snapshot_orders.order_id = order_items.order_id
    where order_items.quantity > 0 and order_items.unit_price > 0
    group by all
),

category_shares as (
    select
        *,
        {{ safe_ratio('spend', 'sum(spend) over (partition by snapshot_name, customer_id)') }} as spend_share
    from category_spend
),

category_mix as (
    -- shares from exact decimal sums, so they do not depend on the order rows are aggregated in
    select
        snapshot_name,
        customer_id,
        {%- for category in categories %}
        {{ safe_ratio(
            "coalesce(sum(spend) filter (where product_category = '" ~ category ~ "'), 0)", 'sum(spend)'
        ) }} as spend_share_{{ category_column_suffix(category) }},
        {%- endfor %}
        {{ safe_ratio(
            "coalesce(sum(spend) filter (where product_category not in ('" ~ categories | join("', '") ~ "')), 0)",
            'sum(spend)'
        ) }} as spend_share_other,
        {{ shannon_entropy('spend_share', 'product_category') }} as category_entropy,
        count(*) as categories_purchased,
        {{ safe_ratio('sum(spend)', 'sum(units)') }} as avg_unit_price
    from category_shares
    group by snapshot_name, customer_id
),

priced as (
    select
        *,
        case
            when avg_unit_price is not null
                then percent_rank() over (
                        partition by snapshot_name, avg_unit_price is not null
                        order by avg_unit_price
                    )
        end as price_level
    from category_mix
)

select
    order_timing.snapshot_name,
    order_timing.customer_id,
    cast(preferred_weekdays.preferred_purchase_weekday as integer) as preferred_purchase_weekday,
    cast(preferred_hours.preferred_purchase_hour as integer) as preferred_purchase_hour,
    order_timing.holiday_spend_share,
    {% for category in categories -%}
        priced.spend_share_{{ category_column_suffix(category) }},
    {% endfor -%}
    priced.spend_share_other,
    priced.category_entropy,
    cast(priced.categories_purchased as integer) as categories_purchased,
    priced.avg_unit_price,
    priced.price_level
from order_timing
inner join preferred_weekdays
    on
        order_timing.snapshot_name = preferred_weekdays.snapshot_name
        and order_timing.customer_id = preferred_weekdays.customer_id
inner join preferred_hours
    on
        order_timing.snapshot_name = preferred_hours.snapshot_name
        and order_timing.customer_id = preferred_hours.customer_id
left join priced
    on
        order_timing.snapshot_name = priced.snapshot_name
        and order_timing.customer_id = priced.customer_id
