-- one row per customer as of the training snapshot (current - propensity_horizon_days): the same
-- columns as customer_features, computed by the same SQL from data strictly before that date
with

customer_features as (
    select * from {{ ref('int_customer_features_joined') }}
)

select * exclude (snapshot_name)
from customer_features
where snapshot_name = 'training'
