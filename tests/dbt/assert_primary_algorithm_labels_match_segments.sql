-- In segment_assignments_by_algorithm the primary algorithm's column (var segments_primary_algorithm)
-- is the customer's segment_id of segment_assignments (never null: the other algorithms' columns are
-- null on a build that reused a stored fit, the primary one never).
with

segment_assignments as (
    select * from {{ ref('segment_assignments') }}
),

assignments_by_algorithm as (
    select * from {{ ref('segment_assignments_by_algorithm') }}
)

select
    segment_assignments.customer_id,
    segment_assignments.segment_id,
    assignments_by_algorithm.{{ adapter.quote(var('segments_primary_algorithm')) }} as primary_algorithm_label
from segment_assignments
left join assignments_by_algorithm
    on segment_assignments.customer_id = assignments_by_algorithm.customer_id
where
    assignments_by_algorithm.customer_id is null
    or assignments_by_algorithm.{{ adapter.quote(var('segments_primary_algorithm')) }}
    is distinct from segment_assignments.segment_id
