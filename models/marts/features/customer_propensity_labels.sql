-- one row per customer of customer_features_training: whether the customer placed at least one
-- completed order in the horizon [training as_of_date, training as_of_date + propensity_horizon_days).
-- The label reads the horizon after the training date on purpose; the features never do.
with

training_customers as (
    select * from {{ ref('customer_features_training') }}
),

orders as (
    select * from {{ ref('int_orders_identified') }}
),

horizons as (
    select distinct
        as_of_date as horizon_start_date,
        as_of_date + {{ var('propensity_horizon_days') }} as horizon_end_date
    from training_customers
),

horizon_orders as (
    select
        orders.customer_id,
        count(*) as orders_in_horizon
    from orders
    inner join horizons
        on
            orders.ordered_at >= cast(horizons.horizon_start_date as timestamp)
            and orders.ordered_at < cast(horizons.horizon_end_date as timestamp)
    where orders.order_status = 'completed'
    group by orders.customer_id
)

select
    training_customers.customer_id,
    cast(coalesce(horizon_orders.orders_in_horizon, 0) as integer) as orders_in_horizon,
    coalesce(horizon_orders.orders_in_horizon, 0) > 0 as is_purchased_in_horizon,
    horizons.horizon_start_date,
    horizons.horizon_end_date
from training_customers
cross join horizons
left join horizon_orders
    on training_customers.customer_id = horizon_orders.customer_id
