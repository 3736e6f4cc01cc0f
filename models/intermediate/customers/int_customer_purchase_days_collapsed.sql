-- one row per customer and calendar day (UTC) with completed orders, over all history, amounts summed:
-- the transaction log of lifetimes' summary_data_from_transaction_data(freq='D'), built once for every
-- snapshot (int_customer_transactions_collapsed keeps the days before each as-of date). A day's number
-- depends only on earlier days, so it is the same in every snapshot that sees the day.
-- Cancelled and returned orders are not purchases and are left out.
with

orders as (
    select * from {{ ref('int_orders_identified') }}
),

collapsed as (
    select
        customer_id,
        cast(ordered_at as date) as purchase_date,
        count(*) as orders_count,
        sum(amount) as purchase_amount
    from orders
    where order_status = 'completed'
    group by customer_id, cast(ordered_at as date)
)

select
    customer_id,
    cast(row_number() over (
        partition by customer_id
        order by purchase_date
    ) as integer) as purchase_day_number,
    cast(orders_count as integer) as orders_count,
    cast(purchase_amount as decimal(18, 2)) as purchase_amount,
    purchase_date
from collapsed
