-- The segment of every customer with features, named: what BI tools and audience exports read
with

assignments as (
    select * from {{ ref('segment_assignments') }}
),

profiles as (
    select * from {{ ref('segment_profiles') }}
)

select
    assignments.customer_id,
    assignments.segment_id,
    profiles.segment_name,
    assignments.distance_to_centroid,
    assignments.membership_probability,
    assignments.algorithm,
    assignments.model_version,
    assignments.built_at
from assignments
inner join profiles
    on assignments.segment_id = profiles.segment_id
