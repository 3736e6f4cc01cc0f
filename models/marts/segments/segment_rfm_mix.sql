-- How each segment splits over the named RFM segments of customer_rfm
with

assignments as (
    select * from {{ ref('segment_assignments') }}
),

customer_rfm as (
    select * from {{ ref('customer_rfm') }}
),

counts as (
    select
        assignments.segment_id,
        coalesce(customer_rfm.rfm_segment, 'no_purchase') as rfm_segment,
        count(*) as customers
    from assignments
    left join customer_rfm
        on assignments.customer_id = customer_rfm.customer_id
    group by assignments.segment_id, coalesce(customer_rfm.rfm_segment, 'no_purchase')
)

select
    segment_id,
    rfm_segment,
    customers,
    customers / sum(customers) over (partition by segment_id) as customer_share
from counts
