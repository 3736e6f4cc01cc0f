-- One row per segment: size, share, main RFM segment, the three most distinguishing features and a
-- deterministic readable name made only of words that are true of the segment (segment_name_tokens:
-- the feature behind each word differs from the population's by the documented margin, in the word's
-- direction). Two words, or three when two do not tell segments apart, or the id appended as a last
-- resort; `average profile` when no feature sets the segment apart by the margin.
with

assignments as (
    select * from {{ ref('segment_assignments') }}
),

feature_profiles as (
    select * from {{ ref('segment_feature_profiles') }}
),

name_tokens as (
    select * from {{ ref('segment_name_tokens') }}
),

rfm_mix as (
    select * from {{ ref('segment_rfm_mix') }}
),

sizes as (
    select
        segment_id,
        any_value(algorithm) as algorithm,
        any_value(model_version) as model_version,
        count(*) as customers,
        {{ exact_sum('distance_to_centroid', 12) }} as distance_sum
    from assignments
    group by segment_id
),

main_rfm_segments as (
    select
        segment_id,
        rfm_segment as main_rfm_segment,
        customer_share as main_rfm_segment_share
    from rfm_mix
    qualify row_number() over (partition by segment_id order by customers desc, rfm_segment asc) = 1
),

top_features as (
    select
        segment_id,
        max(case when distinction_rank = 1 then feature_name end) as distinguishing_feature_1,
        max(case when distinction_rank = 2 then feature_name end) as distinguishing_feature_2,
        max(case when distinction_rank = 3 then feature_name end) as distinguishing_feature_3
    from feature_profiles
    group by segment_id
),

token_names as (
    select
        segment_id,
        {{ ordered_string_agg('word', "', '", 'token_rank') }} filter (where token_rank <= 2) as two_labels,
        {{ ordered_string_agg('word', "', '", 'token_rank') }} filter (where token_rank <= 3) as three_labels
    from name_tokens
    group by segment_id
),

candidate_names as (
    select
        sizes.segment_id,
        coalesce(token_names.two_labels, 'average profile') as two_labels,
        coalesce(token_names.three_labels, 'average profile') as three_labels
    from sizes
    left join token_names
        on sizes.segment_id = token_names.segment_id
),

named as (
    select
        segment_id,
        case
            when count(*) over (partition by two_labels) = 1 then two_labels
            when count(*) over (partition by three_labels) = 1 then three_labels
            else three_labels || ' (' || segment_id || ')'
        end as segment_name
    from candidate_names
)

select
    sizes.segment_id,
    named.segment_name,
    sizes.customers,
    sizes.customers / sum(sizes.customers) over () as customer_share,
    cast(sizes.distance_sum as double) / sizes.customers as avg_distance_to_centroid,
    main_rfm_segments.main_rfm_segment,
    main_rfm_segments.main_rfm_segment_share,
    top_features.distinguishing_feature_1,
    top_features.distinguishing_feature_2,
    top_features.distinguishing_feature_3,
    sizes.algorithm,
    sizes.model_version
from sizes
inner join named
    on sizes.segment_id = named.segment_id
left join main_rfm_segments
    on sizes.segment_id = main_rfm_segments.segment_id
left join top_features
    on sizes.segment_id = top_features.segment_id
