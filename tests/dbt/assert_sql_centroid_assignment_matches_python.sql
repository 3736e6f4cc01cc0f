-- The nearest-centroid segment computed in SQL from segment_scaler_params and segment_centroids alone
-- (customer_segments_sql) is the Python segment of every customer. A different segment is accepted only
-- on a tie (both distances equal within 1e-9: two centroids equally near); the distance itself must
-- agree within 1e-9, and a customer assigned on one side only fails too.
with

customer_segments_sql as (
    select * from {{ ref('customer_segments_sql') }}
),

segment_assignments as (
    select * from {{ ref('segment_assignments') }}
),

compared as (
    select
        coalesce(segment_assignments.customer_id, customer_segments_sql.customer_id) as customer_id,
        segment_assignments.segment_id as python_segment_id,
        customer_segments_sql.segment_id as sql_segment_id,
        segment_assignments.distance_to_centroid as python_distance,
        customer_segments_sql.distance_to_centroid as sql_distance
    from segment_assignments
    full outer join customer_segments_sql
        on segment_assignments.customer_id = customer_segments_sql.customer_id
)

select
    customer_id,
    python_segment_id,
    sql_segment_id,
    python_distance,
    sql_distance
from compared
where
    python_segment_id is null
    or sql_segment_id is null
    -- a different segment that is not a tie
    or (sql_segment_id != python_segment_id and abs(sql_distance - python_distance) > 1e-9)
    -- the same segment at a different distance
    or (sql_segment_id = python_segment_id and abs(sql_distance - python_distance) > 1e-9)
