-- clean orders with customer_id resolved to the surviving customer
with

orders as (
    select * from {{ ref('stg_shop__orders') }}
),

customer_ids as (
    select * from {{ ref('int_customer_ids_mapped') }}
)

select
    orders.order_id,
    customer_ids.customer_id,
    orders.customer_id as source_customer_id,
    orders.order_status,
    orders.currency,
    orders.channel,
    orders.amount,
    orders.ordered_at
from orders
inner join customer_ids
    on orders.customer_id = customer_ids.source_customer_id
