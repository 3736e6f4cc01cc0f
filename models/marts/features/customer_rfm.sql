-- one row per customer as of the current snapshot: RFM, the BTYD summary, scores and segment
with

rfm as (
    select * from {{ ref('int_customer_rfm_scored') }}
)

select * exclude (snapshot_name)
from rfm
where snapshot_name = 'current'
