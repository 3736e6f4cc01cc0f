-- The words a segment may be named by, each with the evidence that makes it true (var
-- segments_name_min_difference, seed segment_naming_labels). A feature gives a segment a word when:
--   * the segmentation used it (not in segment_feature_exclusions) and its profile is not null;
--   * the segment's mean differs from the population's by at least the margin, in population standard
--     deviations: standardized_difference >= margin gives the high label (side `high`), <= -margin the low one;
--   * for a seasonal word (needs_full_year in the seed), at least segments_name_full_year_share of the
--     segment's customers have a full year (365 days) of history before the as-of date (tenure_days);
--     a season the data has not seen in full cannot be told from recency.
-- Words are ranked by |standardized_difference| (ties by feature name); a word already given by a
-- higher-ranked feature is dropped. segment_profiles names each segment with its first words.
{%- set margin = var('segments_name_min_difference') %}
{%- set full_year_share = var('segments_name_full_year_share') %}

with

feature_profiles as (
    select * from {{ ref('segment_feature_profiles') }}
),

naming_labels as (
    select * from {{ ref('segment_naming_labels') }}
),

assignments as (
    select * from {{ ref('segment_assignments') }}
),

customer_features as (
    select * from {{ ref('customer_features') }}
),

history as (
    select
        assignments.segment_id,
        avg(cast(customer_features.tenure_days >= 365 as integer)) as full_year_share
    from assignments
    inner join customer_features
        on assignments.customer_id = customer_features.customer_id
    group by assignments.segment_id
),

candidates as (
    select
        feature_profiles.segment_id,
        feature_profiles.feature_name,
        case when feature_profiles.standardized_difference > 0 then 'high' else 'low' end as side,
        case
            when feature_profiles.standardized_difference > 0
                then coalesce(naming_labels.high_label, 'high ' || replace(feature_profiles.feature_name, '_', ' '))
            else coalesce(naming_labels.low_label, 'low ' || replace(feature_profiles.feature_name, '_', ' '))
        end as word,
        coalesce(naming_labels.needs_full_year, false) as needs_full_year,
        feature_profiles.segment_mean,
        feature_profiles.population_mean,
        feature_profiles.standardized_difference,
        history.full_year_share
    from feature_profiles
    left join naming_labels
        on feature_profiles.feature_name = naming_labels.feature_name
    left join history
        on feature_profiles.segment_id = history.segment_id
    where
        feature_profiles.standardized_difference is not null
        and feature_profiles.model_exclusion_reason is null
        and abs(feature_profiles.standardized_difference) >= {{ margin }}
),

eligible as (
    select *
    from candidates
    where not needs_full_year or coalesce(full_year_share, 0) >= {{ full_year_share }}
),

distinct_words as (
    select *
    from eligible
    qualify row_number() over (
            partition by segment_id, word
            order by abs(standardized_difference) desc, feature_name asc
        ) = 1
)

select
    segment_id,
    cast(row_number() over (
        partition by segment_id
        order by abs(standardized_difference) desc, feature_name asc
    ) as bigint) as token_rank,
    feature_name,
    side,
    word,
    needs_full_year,
    segment_mean,
    population_mean,
    standardized_difference,
    full_year_share,
    cast({{ margin }} as double) as min_difference
from distinct_words
