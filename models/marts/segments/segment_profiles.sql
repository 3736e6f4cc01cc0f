-- One row per segment: size, share, main RFM segment, the three most distinguishing features and a
-- deterministic readable name built from them (labels from the seed segment_naming_labels; two
-- labels, or three when two do not tell segments apart, or the id appended as a last resort).
with

assignments as (
    select * from {{ ref('segment_assignments') }}
),

feature_profiles as (
    select * from {{ ref('segment_feature_profiles') }}
),

rfm_mix as (
    select * from {{ ref('segment_rfm_mix') }}
),

naming_labels as (
    select * from {{ ref('segment_naming_labels') }}
),

sizes as (
    select
        segment_id,
        any_value(algorithm) as algorithm,
        any_value(model_version) as model_version,
        count(*) as customers,
        avg(distance_to_centroid) as avg_distance_to_centroid
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

labelled_features as (
    select
        feature_profiles.segment_id,
        feature_profiles.distinction_rank,
        feature_profiles.feature_name,
        feature_profiles.standardized_difference,
        case
            when feature_profiles.standardized_difference >= 0
                then coalesce(naming_labels.high_label, 'high ' || replace(feature_profiles.feature_name, '_', ' '))
            else coalesce(naming_labels.low_label, 'low ' || replace(feature_profiles.feature_name, '_', ' '))
        end as feature_label
    from feature_profiles
    left join naming_labels
        on feature_profiles.feature_name = naming_labels.feature_name
    where feature_profiles.distinction_rank <= 3
),

top_features as (
    select
        segment_id,
        max(case when distinction_rank = 1 then feature_name end) as distinguishing_feature_1,
        max(case when distinction_rank = 2 then feature_name end) as distinguishing_feature_2,
        max(case when distinction_rank = 3 then feature_name end) as distinguishing_feature_3,
        string_agg(feature_label, ', ' order by distinction_rank) filter (where distinction_rank <= 2) as two_labels,
        string_agg(feature_label, ', ' order by distinction_rank) as three_labels
    from labelled_features
    group by segment_id
),

named as (
    select
        top_features.*,
        case
            when count(*) over (partition by top_features.two_labels) = 1 then top_features.two_labels
            when count(*) over (partition by top_features.three_labels) = 1 then top_features.three_labels
            else top_features.three_labels || ' (' || top_features.segment_id || ')'
        end as segment_name
    from top_features
)

select
    sizes.segment_id,
    coalesce(named.segment_name, 'segment ' || sizes.segment_id) as segment_name,
    sizes.customers,
    sizes.customers / sum(sizes.customers) over () as customer_share,
    sizes.avg_distance_to_centroid,
    main_rfm_segments.main_rfm_segment,
    main_rfm_segments.main_rfm_segment_share,
    named.distinguishing_feature_1,
    named.distinguishing_feature_2,
    named.distinguishing_feature_3,
    sizes.algorithm,
    sizes.model_version
from sizes
left join named
    on sizes.segment_id = named.segment_id
left join main_rfm_segments
    on sizes.segment_id = main_rfm_segments.segment_id
