-- one row per customer as of the current snapshot (int_snapshot_dates): every customer feature
with

customer_features as (
    select * from {{ ref('int_customer_features_joined') }}
)

select * exclude (snapshot_name)
from customer_features
where snapshot_name = 'current'
