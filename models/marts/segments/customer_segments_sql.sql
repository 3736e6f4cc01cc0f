-- Nearest-centroid segment of every customer computed in SQL from the model tables alone
-- (segment_scaler_params + segment_centroids): the segmentation applied without Python, e.g. on
-- another engine. Agrees with the Python assignment except on exact distance ties (ties -> smaller id).
-- The squared differences are summed as exact decimals (portable SQL, and order-independent: the same
-- distance on every build whatever the thread scheduling); the square root is taken once, in double
-- (macro nearest_centroid_distances, macros/scoring/scaled_features.sql).
with

distances as (
    select
        scored_id as customer_id,
        segment_id,
        distance_to_centroid
    from {{ nearest_centroid_distances(
        ref('customer_features'), 'customer_id', ref('segment_scaler_params'), ref('segment_centroids')
    ) }}
)

select
    customer_id,
    segment_id,
    distance_to_centroid
from distances
qualify row_number() over (partition by customer_id order by distance_to_centroid asc, segment_id asc) = 1
