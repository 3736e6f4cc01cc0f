-- depends_on: {{ ref('feature_registry') }}
-- Per segment and clustering feature: the segment mean against the population (index and
-- standardized difference). The features are the registry's numeric clustering features.
{%- set feature_names = distinct_values(
    ref('feature_registry'),
    'feature_name',
    "model_name = 'customer_features' and use_case = 'clustering' and feature_role = 'numeric'",
) %}

with

assignments as (
    select * from {{ ref('segment_assignments') }}
),

feature_values as (
    {{ feature_values_long(ref('customer_features'), 'customer_id', feature_names) }}
),

numeric_values as (
    select
        scored_id as customer_id,
        source_feature as feature_name,
        try_cast(raw_value as double) as feature_value
    from feature_values
),

population as (
    select
        feature_name,
        avg(feature_value) as population_mean,
        stddev_pop(feature_value) as population_std
    from numeric_values
    group by feature_name
),

segment_means as (
    select
        assignments.segment_id,
        numeric_values.feature_name,
        avg(numeric_values.feature_value) as segment_mean
    from numeric_values
    inner join assignments
        on numeric_values.customer_id = assignments.customer_id
    group by assignments.segment_id, numeric_values.feature_name
)

select
    segment_means.segment_id,
    segment_means.feature_name,
    segment_means.segment_mean,
    population.population_mean,
    case
        when population.population_mean != 0
            then 100 * segment_means.segment_mean / population.population_mean
    end as index_vs_population,
    case
        when population.population_std > 0
            then (segment_means.segment_mean - population.population_mean) / population.population_std
        else 0
    end as standardized_difference,
    row_number() over (
        partition by segment_means.segment_id
        order by
            abs(
                case
                    when population.population_std > 0
                        then (segment_means.segment_mean - population.population_mean) / population.population_std
                    else 0
                end
            ) desc,
            segment_means.feature_name asc
    ) as distinction_rank
from segment_means
inner join population
    on segment_means.feature_name = population.feature_name
