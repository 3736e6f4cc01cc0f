-- depends_on: {{ ref('feature_registry') }}
-- Per segment and numeric clustering feature: the segment mean against the population (index and
-- standardized difference), or null with the reason when the feature has nothing to compare. The
-- features are the registry's numeric clustering features, also those the segmentation left out
-- (segment_feature_exclusions). Sums are exact decimal sums (an order-independent formulation: the same
-- doubles on every build, whatever the thread scheduling); the division happens once, in double.
{%- set feature_names = distinct_values(
    ref('feature_registry'),
    'feature_name',
    "model_name = 'customer_features' and use_case = 'clustering' and feature_role = 'numeric'",
) %}

with

assignments as (
    select * from {{ ref('segment_assignments') }}
),

exclusions as (
    select * from {{ ref('segment_feature_exclusions') }}
),

feature_values as (
    {{ feature_values_long(ref('customer_features'), 'customer_id', feature_names) }}
),

numeric_values as (
    select
        assignments.segment_id,
        feature_values.source_feature as feature_name,
        try_cast(feature_values.raw_value as double) as feature_value
    from feature_values
    inner join assignments
        on feature_values.scored_id = assignments.customer_id
),

population_sums as (
    select
        feature_name,
        count(feature_value) as population_values,
        {{ exact_sum('feature_value', 10) }} as population_sum
    from numeric_values
    group by feature_name
),

population_means as (
    select
        feature_name,
        population_values,
        cast(population_sum as double) / nullif(population_values, 0) as population_mean
    from population_sums
),

squared_deviations as (
    select
        population_means.feature_name,
        power(numeric_values.feature_value - population_means.population_mean, 2) as squared_deviation
    from population_means
    inner join numeric_values
        on population_means.feature_name = numeric_values.feature_name
),

deviation_sums as (
    select
        feature_name,
        {{ exact_sum('squared_deviation', 10) }} as squared_deviation_sum
    from squared_deviations
    group by feature_name
),

population_spreads as (
    select
        population_means.feature_name,
        population_means.population_values,
        population_means.population_mean,
        sqrt(
            cast(deviation_sums.squared_deviation_sum as double) / nullif(population_means.population_values, 0)
        ) as population_std
    from population_means
    inner join deviation_sums
        on population_means.feature_name = deviation_sums.feature_name
),

segment_sums as (
    select
        segment_id,
        feature_name,
        count(feature_value) as segment_values,
        {{ exact_sum('feature_value', 10) }} as segment_sum
    from numeric_values
    group by segment_id, feature_name
),

compared as (
    select
        segment_sums.segment_id,
        segment_sums.feature_name,
        segment_sums.segment_values,
        cast(segment_sums.segment_sum as double) / nullif(segment_sums.segment_values, 0) as segment_mean,
        population_spreads.population_mean,
        population_spreads.population_std,
        exclusions.reason as model_exclusion_reason,
        case
            when population_spreads.population_values = 0 then 'no customer has a value'
            when segment_sums.segment_values = 0 then 'no customer of the segment has a value'
            when population_spreads.population_std = 0 then 'every customer with a value has the same value'
        end as null_reason
    from segment_sums
    inner join population_spreads
        on segment_sums.feature_name = population_spreads.feature_name
    left join exclusions
        on segment_sums.feature_name = exclusions.feature_name
),

standardized as (
    select
        *,
        case
            when null_reason is null then (segment_mean - population_mean) / population_std
        end as standardized_difference
    from compared
),

ranked as (
    select
        *,
        -- bigint on both engines (Spark's row_number is an int)
        cast(row_number() over (
            partition by segment_id, standardized_difference is null
            order by abs(standardized_difference) desc, feature_name asc
        ) as bigint) as rank_among_comparable
    from standardized
)

select
    segment_id,
    feature_name,
    segment_mean,
    population_mean,
    population_std,
    case
        when population_mean != 0 then 100 * segment_mean / population_mean
    end as index_vs_population,
    standardized_difference,
    case when standardized_difference is not null then rank_among_comparable end as distinction_rank,
    null_reason,
    model_exclusion_reason
from ranked
