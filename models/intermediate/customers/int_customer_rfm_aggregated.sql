-- one row per snapshot and customer: recency, frequency, monetary value and the BTYD summary of
-- lifetimes' summary_data_from_transaction_data(freq='D', observation_period_end = as_of_date - 1),
-- from completed orders strictly before the as-of date (a free, $0, order is a purchase). Monetary value
-- is net of refunds: a cancelled or returned order with a negative amount (a credit note, as UCI Online
-- Retail's `C` invoices and the demo's returns are) before the as-of date is subtracted; a cancelled or
-- returned order with a positive amount is an order that did not stand and counts neither way. The net
-- is floored at 0 (a refund of a purchase older than the data cannot make spend negative). The BTYD
-- columns stay as lifetimes defines them (purchases only). Customers without a completed purchase keep
-- frequency 0 and monetary_total 0; their other purchase columns are null (lifetimes drops them).
with

customers as (
    select * from {{ ref('int_customers_snapshotted') }}
),

purchase_days as (
    select * from {{ ref('int_customer_transactions_collapsed') }}
),

orders as (
    select * from {{ ref('int_orders_identified') }}
),

snapshot_dates as (
    select * from {{ ref('int_snapshot_dates') }}
),

refunds as (
    select
        snapshot_dates.snapshot_name,
        orders.customer_id,
        -sum(orders.amount) as refunded_total
    from orders
    inner join snapshot_dates
        on orders.ordered_at < snapshot_dates.as_of_at
    where orders.order_status in ('cancelled', 'returned') and orders.amount < 0
    group by snapshot_dates.snapshot_name, orders.customer_id
),

purchases as (
    select
        snapshot_name,
        customer_id,
        count(*) as purchase_days,
        sum(orders_count) as frequency,
        sum(purchase_amount) as monetary_total,
        {{ decimal_avg('purchase_amount', 'purchase_day_number > 1') }} as repeat_monetary_avg,
        min(purchase_date) as first_purchase_date,
        max(purchase_date) as last_purchase_date
    from purchase_days
    group by snapshot_name, customer_id
),

joined as (
    select
        customers.snapshot_name,
        customers.customer_id,
        customers.as_of_date,
        coalesce(purchases.frequency, 0) as frequency,
        greatest(coalesce(purchases.monetary_total, 0) - coalesce(refunds.refunded_total, 0), 0) as monetary_total,
        coalesce(refunds.refunded_total, 0) as refunded_total,
        purchases.purchase_days,
        purchases.repeat_monetary_avg,
        purchases.first_purchase_date,
        purchases.last_purchase_date
    from customers
    left join purchases
        on
            customers.snapshot_name = purchases.snapshot_name
            and customers.customer_id = purchases.customer_id
    left join refunds
        on
            customers.snapshot_name = refunds.snapshot_name
            and customers.customer_id = refunds.customer_id
)

select
    snapshot_name,
    customer_id,
    ---------- recency, frequency, monetary value
    cast({{ days_since('last_purchase_date', 'as_of_date') }} as integer) as recency_days,
    cast(frequency as integer) as frequency,
    cast(monetary_total as decimal(18, 2)) as monetary_total,
    {{ safe_ratio('monetary_total', 'frequency') }} as monetary_avg,
    cast(refunded_total as decimal(18, 2)) as refunded_total,
    ---------- BTYD (lifetimes) summary; observation end = as_of_date - 1 (inclusive)
    cast(purchase_days - 1 as integer) as repeat_frequency,
    cast(last_purchase_date - first_purchase_date as integer) as btyd_recency,
    cast((as_of_date - 1) - first_purchase_date as integer) as btyd_t,
    case
        when purchase_days is not null then coalesce(repeat_monetary_avg, 0.0)
    end as repeat_monetary_avg,
    ---------- dates
    as_of_date,
    first_purchase_date,
    last_purchase_date
from joined
