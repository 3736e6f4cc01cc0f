-- one row per snapshot, customer and calendar day (UTC) with completed orders before the as-of date,
-- amounts summed: the transaction log of lifetimes' summary_data_from_transaction_data(freq='D'),
-- per snapshot. The days are collapsed once (int_customer_purchase_days_collapsed); a snapshot keeps
-- the days before its as-of date (ordered_at < as_of_at, a midnight, is purchase_date < as_of_date).
{{ config(materialized='view') }}

with

purchase_days as (
    select * from {{ ref('int_customer_purchase_days_collapsed') }}
),

snapshot_dates as (
    select * from {{ ref('int_snapshot_dates') }}
)

select
    snapshot_dates.snapshot_name,
    purchase_days.customer_id,
    purchase_days.purchase_day_number,
    purchase_days.orders_count,
    purchase_days.purchase_amount,
    purchase_days.purchase_date
from purchase_days
inner join snapshot_dates
    on purchase_days.purchase_date < snapshot_dates.as_of_date
