-- Nearest-centroid segment of every customer computed in SQL from the model tables alone
-- (segment_scaler_params + segment_centroids): the segmentation applied without Python, e.g. on
-- another engine. Agrees with the Python assignment except on exact distance ties (ties -> smaller id).
-- The squared differences are summed as exact decimals (portable SQL, and order-independent: the same
-- distance on every build whatever the thread scheduling); the square root is taken once, in double.
with

centroids as (
    select * from {{ ref('segment_centroids') }}
),

scaled as (
    select * from {{ scaled_features(ref('customer_features'), 'customer_id', ref('segment_scaler_params')) }}
),

distances as (
    select
        scaled.scored_id as customer_id,
        centroids.segment_id,
        sqrt(cast({{ exact_sum('power(scaled.scaled_value - centroids.scaled_value, 2)') }} as double))
            as distance_to_centroid
    from scaled
    inner join centroids
        on scaled.output_feature = centroids.feature
    group by scaled.scored_id, centroids.segment_id
)

select
    customer_id,
    segment_id,
    distance_to_centroid
from distances
qualify row_number() over (partition by customer_id order by distance_to_centroid asc, segment_id asc) = 1
