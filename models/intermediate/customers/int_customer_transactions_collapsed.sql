-- one row per snapshot, customer and calendar day (UTC) with completed orders before the as-of date,
-- amounts summed: the transaction log of lifetimes' summary_data_from_transaction_data(freq='D').
-- Cancelled and returned orders are not purchases and are left out.
with

orders as (
    select * from {{ ref('int_orders_identified') }}
),

snapshot_dates as (
    select * from {{ ref('int_snapshot_dates') }}
),

completed_orders as (
    select
        customer_id,
        amount,
        ordered_at
    from orders
    where order_status = 'completed'
),

collapsed as (
    select
        snapshot_dates.snapshot_name,
        completed_orders.customer_id,
        count(*) as orders_count,
        sum(completed_orders.amount) as purchase_amount,
        cast(completed_orders.ordered_at as date) as purchase_date
    from completed_orders
    inner join snapshot_dates
        on completed_orders.ordered_at < snapshot_dates.as_of_at
    group by all
)

select
    snapshot_name,
    customer_id,
    cast(row_number() over (
        partition by snapshot_name, customer_id
        order by purchase_date
    ) as integer) as purchase_day_number,
    cast(orders_count as integer) as orders_count,
    cast(purchase_amount as decimal(18, 2)) as purchase_amount,
    purchase_date
from collapsed
