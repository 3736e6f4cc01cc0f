-- depends_on: {{ ref('feature_registry') }}
-- Every word of every segment name is true of the segment against the population, recomputed here from
-- customer_features and customer_segments (not from the profile marts):
--   * the name's words, in order, are the segment's first name tokens (segment_name_tokens), and each
--     token's word is the seed label of its feature and direction (or the `high/low <feature>` fallback);
--   * the segment's mean of the feature behind each word differs from the population's mean by at least
--     segments_name_min_difference population standard deviations in the word's direction;
--   * a seasonal word (needs_full_year) has at least segments_name_full_year_share of the segment's
--     customers with 365 days of history (tenure_days) before the as-of date;
--   * a segment named `average profile` has no feature the segmentation used that differs by the margin.
-- A returned row is a false word.
{%- set margin = var('segments_name_min_difference') %}
{%- set full_year_share = var('segments_name_full_year_share') %}
{%- set feature_names = distinct_values(
    ref('feature_registry'),
    'feature_name',
    "model_name = 'customer_features' and use_case = 'clustering' and feature_role = 'numeric'",
) %}

with

profiles as (
    select * from {{ ref('segment_profiles') }}
),

name_tokens as (
    select * from {{ ref('segment_name_tokens') }}
),

naming_labels as (
    select * from {{ ref('segment_naming_labels') }}
),

customer_segments as (
    select * from {{ ref('customer_segments') }}
),

customer_features as (
    select * from {{ ref('customer_features') }}
),

exclusions as (
    select * from {{ ref('segment_feature_exclusions') }}
),

feature_values as (
    {{ feature_values_long(ref('customer_features'), 'customer_id', feature_names) }}
),

name_words as (
    select
        profiles.segment_id,
        profiles.segment_name,
        words.word,
        words.word_rank
    from profiles
    {{ cross_join_split(
        "regexp_replace(profiles.segment_name, " ~ regex_literal(' \(\d+\)$') ~ ", '')",
        "', '", 'words', 'word', 'word_rank'
    ) }}
),

values_by_segment as (
    select
        customer_segments.segment_id,
        feature_values.source_feature as feature_name,
        try_cast(feature_values.raw_value as double) as feature_value
    from feature_values
    inner join customer_segments
        on feature_values.scored_id = customer_segments.customer_id
),

population as (
    select
        feature_name,
        avg(feature_value) as population_mean,
        stddev_pop(feature_value) as population_std
    from values_by_segment
    group by feature_name
),

recomputed as (
    select
        values_by_segment.segment_id,
        values_by_segment.feature_name,
        (avg(values_by_segment.feature_value) - any_value(population.population_mean))
        / nullif(any_value(population.population_std), 0) as standardized_difference
    from values_by_segment
    inner join population
        on values_by_segment.feature_name = population.feature_name
    group by values_by_segment.segment_id, values_by_segment.feature_name
),

full_year as (
    select
        customer_segments.segment_id,
        avg(cast(customer_features.tenure_days >= 365 as double)) as full_year_share
    from customer_segments
    inner join customer_features
        on customer_segments.customer_id = customer_features.customer_id
    group by customer_segments.segment_id
),

checked_words as (
    select
        name_words.segment_id,
        name_words.segment_name,
        name_words.word,
        name_tokens.feature_name,
        name_tokens.side,
        recomputed.standardized_difference,
        full_year.full_year_share,
        case
            when name_words.word = 'average profile' and name_words.word_rank = 1
                then name_tokens.segment_id is null
            else
                name_tokens.word = name_words.word
                and name_words.word = case name_tokens.side
                    when 'high'
                        then coalesce(naming_labels.high_label, 'high ' || replace(name_tokens.feature_name, '_', ' '))
                    when 'low'
                        then coalesce(naming_labels.low_label, 'low ' || replace(name_tokens.feature_name, '_', ' '))
                end
                and case name_tokens.side
                    when 'high' then recomputed.standardized_difference >= {{ margin }} - 1e-9
                    when 'low' then recomputed.standardized_difference <= -{{ margin }} + 1e-9
                end
                and (
                    not coalesce(naming_labels.needs_full_year, false)
                    or full_year.full_year_share >= {{ full_year_share }} - 1e-9
                )
        end as is_true
    from name_words
    left join name_tokens
        on
            name_words.segment_id = name_tokens.segment_id
            and name_words.word_rank = name_tokens.token_rank
    left join naming_labels
        on name_tokens.feature_name = naming_labels.feature_name
    left join recomputed
        on
            name_tokens.segment_id = recomputed.segment_id
            and name_tokens.feature_name = recomputed.feature_name
    left join full_year
        on name_words.segment_id = full_year.segment_id
),

average_profiles_that_stand_out as (
    select
        profiles.segment_id,
        profiles.segment_name,
        'average profile' as word,
        recomputed.feature_name,
        case when recomputed.standardized_difference > 0 then 'high' else 'low' end as side,
        recomputed.standardized_difference,
        cast(null as double) as full_year_share,
        false as is_true
    from profiles
    inner join recomputed
        on profiles.segment_id = recomputed.segment_id
    left join naming_labels
        on recomputed.feature_name = naming_labels.feature_name
    left join exclusions
        on recomputed.feature_name = exclusions.feature_name
    where
        profiles.segment_name like 'average profile%'
        and exclusions.feature_name is null
        and not coalesce(naming_labels.needs_full_year, false)
        and abs(recomputed.standardized_difference) >= {{ margin }} + 1e-9
)

select * from checked_words
where not coalesce(is_true, false)
union all
select * from average_profiles_that_stand_out
