-- Every customer with features has exactly one segment: with customer_segments.customer_id unique and
-- related to customer_features, equal row counts leave no customer unsegmented. Fails with the counts.
-- The one exception is a segmentation deliberately skipped for too few customers (fewer than the var
-- segments_min_customers): then no customer has one.
with

customer_features as (
    select * from {{ ref('customer_features') }}
),

customer_segments as (
    select * from {{ ref('customer_segments') }}
),

counts as (
    select
        (select count(*) from customer_features) as customers_with_features,
        (select count(*) from customer_segments) as segmented_customers
)

select
    customers_with_features,
    segmented_customers
from counts
where
    customers_with_features != segmented_customers
    and not (
        segmented_customers = 0
        and customers_with_features < {{ var('segments_min_customers') }}
    )
