-- The feature history, compact: per build, the binned distribution of every model feature (from
-- feature_registry) and of every score, for the population stability index of feature_drift.
-- Per feature, three comparisons (docs: feature_bin_history):
--   current_bins         this build's current population on its own bins: the next build's reference
--   training_vs_current  the training population (reference, on its own bins) and the current one on them
--   previous_vs_current  the previous build's current_bins (reference) and this build's current population
--                        on those bins
-- Bins of a reference: numeric = its deciles (quantile_disc at 0.1 .. 0.9, equal edges merged), right-closed
-- (lower_edge, upper_edge], the first open below and the last open above; categorical = its levels and
-- any new category of the current population, the levels rarer in the reference than the models'
-- rare-level rule (vars categorical_min_count, categorical_min_share) sharing one `__other__` bin, as
-- they share one model column (free-text features have hundreds of levels of a few rows each, whose PSI
-- would be noise); bin 0 = missing values.
{{ config(full_refresh=var('history_reset')) }}
{%- set registry = ref('feature_registry') %}
{%- set customer_numeric = distinct_values(
    registry, 'feature_name', "model_name = 'customer_features' and feature_role = 'numeric'"
) %}
{%- set customer_categorical = distinct_values(
    registry, 'feature_name', "model_name = 'customer_features' and feature_role = 'categorical'"
) %}
{%- set lead_numeric = distinct_values(
    registry, 'feature_name', "model_name = 'lead_features' and feature_role = 'numeric'"
) %}
{%- set lead_categorical = distinct_values(
    registry, 'feature_name', "model_name = 'lead_features' and feature_role = 'categorical'"
) %}

{#- the populations binned: (relation, source_model, population, numeric, categorical, feature_kind) #}
{%- set populations = [
    ['customer_features', 'customer_features', 'current', customer_numeric, customer_categorical, 'feature'],
    ['customer_features_training', 'customer_features', 'training', customer_numeric, customer_categorical, 'feature'],
    ['open_leads', 'lead_features', 'current', lead_numeric, lead_categorical, 'feature'],
    ['labelled_leads', 'lead_features', 'training', lead_numeric, lead_categorical, 'feature'],
    ['customer_propensity_scores', 'customer_propensity_scores', 'current', ['probability'], [], 'score'],
    ['open_lead_scores', 'lead_scores', 'current', ['probability'], [], 'score'],
    ['labelled_lead_scores', 'lead_scores', 'training', ['probability'], [], 'score'],
] %}

with

snapshot_dates as (
    select * from {{ ref('int_snapshot_dates') }}
),

customer_features as (
    select * from {{ ref('customer_features') }}
),

customer_features_training as (
    select * from {{ ref('customer_features_training') }}
),

lead_features as (
    select * from {{ ref('lead_features') }}
),

lead_conversion_labels as (
    select * from {{ ref('lead_conversion_labels') }}
),

lead_scores as (
    select * from {{ ref('lead_scores') }}
),

customer_propensity_scores as (
    select * from {{ ref('customer_propensity_scores') }}
),

{% if is_incremental() %}
history as (
    select * from {{ this }}
),
{% endif %}

current_snapshot as (
    select as_of_date from snapshot_dates
    where snapshot_name = 'current'
),

training_snapshot as (
    select as_of_date from snapshot_dates
    where snapshot_name = 'training'
),

-- the lead model learns on labelled leads and is applied to open (not yet labelled) ones
lead_populations as (
    select
        lead_features.*,
        case when lead_conversion_labels.is_labelled then 'training' else 'current' end as population
    from lead_features
    inner join lead_conversion_labels
        on lead_features.lead_id = lead_conversion_labels.lead_id
),

open_leads as (
    select * from lead_populations
    where population = 'current'
),

labelled_leads as (
    select * from lead_populations
    where population = 'training'
),

lead_score_populations as (
    select
        lead_scores.probability,
        lead_populations.population
    from lead_scores
    inner join lead_populations
        on lead_scores.lead_id = lead_populations.lead_id
),

open_lead_scores as (
    select * from lead_score_populations
    where population = 'current'
),

labelled_lead_scores as (
    select * from lead_score_populations
    where population = 'training'
),

-- long form, one row per row and feature (macros/history/feature_values.sql): the edges' input
feature_values as (
    {{ feature_values_union(populations) }}
),

-- each distinct value once, with its rows: the bins are counted on these, not on every row
value_counts as (
    {{ feature_values_union(populations, counted=true) }}
),

fitted_edges as (
    select
        population,
        source_model,
        feature_name,
        {{ sorted_distinct_list(
            discrete_quantiles('numeric_value', [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
        ) }} as edges
    from feature_values
    where feature_role = 'numeric' and numeric_value is not null
    group by population, source_model, feature_name
),

previous_snapshot as (
    {%- if is_incremental() %}
        select max(history.as_of_date) as as_of_date
        from history
        inner join current_snapshot
            on history.as_of_date < current_snapshot.as_of_date
    {%- else %}
        select cast(null as date) as as_of_date
    {%- endif %}
),

previous_bins as (
    {%- if is_incremental() %}
        select history.*
        from history
        inner join previous_snapshot
            on history.as_of_date = previous_snapshot.as_of_date
        where history.comparison = 'current_bins'
    {%- else %}
        select
            cast(null as varchar) as source_model,
            cast(null as varchar) as feature_name,
            cast(null as varchar) as feature_kind,
            cast(null as varchar) as feature_role,
            cast(null as integer) as bin_index,
            cast(null as double) as upper_edge,
            cast(null as varchar) as category,
            cast(null as bigint) as current_rows
        where false
    {%- endif %}
),

-- the bins each comparison counts on: its reference's
edge_sets as (
    select
        'current_bins' as comparison,
        source_model,
        feature_name,
        edges
    from fitted_edges
    where population = 'current'
    union all
    select
        'training_vs_current' as comparison,
        source_model,
        feature_name,
        edges
    from fitted_edges
    where population = 'training'
    union all
    select
        'previous_vs_current' as comparison,
        source_model,
        feature_name,
        {{ list_sorted(collect_list('upper_edge')) }} as edges
    from previous_bins
    where feature_role = 'numeric'
    group by source_model, feature_name
),

-- which population each comparison counts, and as which side
comparison_sides as (
    select
        comparison_sides.comparison,
        comparison_sides.side,
        comparison_sides.population
    from (
        values
        ('current_bins', 'current', 'current'),
        ('training_vs_current', 'reference', 'training'),
        ('training_vs_current', 'current', 'current'),
        ('previous_vs_current', 'current', 'current')
    ) as comparison_sides (comparison, side, population)
),

with_edges as (
    select
        comparison_sides.comparison,
        comparison_sides.side,
        value_counts.*,
        coalesce(edge_sets.edges, {{ empty_typed_list('double') }}) as edges
    from value_counts
    inner join comparison_sides
        on value_counts.population = comparison_sides.population
    left join edge_sets
        on
            comparison_sides.comparison = edge_sets.comparison
            and value_counts.source_model = edge_sets.source_model
            and value_counts.feature_name = edge_sets.feature_name
),

counted as (
    select
        comparison,
        side,
        source_model,
        feature_name,
        feature_kind,
        feature_role,
        case
            when feature_role = 'categorical' and category is null then 0
            when feature_role = 'categorical' then null
            when numeric_value is null then 0
            -- right-closed bins: a value's bin is 1 + the number of edges strictly below it
            else 1 + {{ count_list_below('edges', 'numeric_value') }}
        end as bin_index,
        category,
        cast(sum(value_rows) as bigint) as value_rows
    from with_edges
    group by all
),

previous_reference as (
    select
        'previous_vs_current' as comparison,
        'reference' as side,
        source_model,
        feature_name,
        feature_kind,
        feature_role,
        case when feature_role = 'numeric' or category is null then bin_index end as bin_index,
        category,
        current_rows as value_rows
    from previous_bins
),

sides as (
    select * from counted
    union all
    select * from previous_reference
),

-- a comparison needs both sides (a feature new since the previous build has no reference yet)
compared_features as (
    select
        comparison,
        source_model,
        feature_name
    from sides
    group by comparison, source_model, feature_name
    having comparison = 'current_bins' or count(distinct side) = 2
),

bins as (
    select
        sides.comparison,
        sides.source_model,
        sides.feature_name,
        any_value(sides.feature_kind) as feature_kind,
        any_value(sides.feature_role) as feature_role,
        sides.bin_index,
        sides.category,
        coalesce(sum(sides.value_rows) filter (
            where sides.side = 'reference' or sides.comparison = 'current_bins'
        ), 0) as reference_rows,
        coalesce(sum(sides.value_rows) filter (where sides.side = 'current'), 0) as current_rows
    from sides
    inner join compared_features
        on
            sides.comparison = compared_features.comparison
            and sides.source_model = compared_features.source_model
            and sides.feature_name = compared_features.feature_name
    group by sides.comparison, sides.source_model, sides.feature_name, sides.bin_index, sides.category
),

category_floors as (
    select
        comparison,
        source_model,
        feature_name,
        greatest(
            {{ var('categorical_min_count') }}, {{ var('categorical_min_share') }} * sum(reference_rows)
        ) as min_reference_rows
    from bins
    where feature_role = 'categorical' and category is not null
    group by comparison, source_model, feature_name
),

grouped_bins as (
    select
        bins.comparison,
        bins.source_model,
        bins.feature_name,
        any_value(bins.feature_kind) as feature_kind,
        any_value(bins.feature_role) as feature_role,
        bins.bin_index,
        case
            when bins.reference_rows < category_floors.min_reference_rows then '__other__'
            else bins.category
        end as category,
        sum(bins.reference_rows) as reference_rows,
        sum(bins.current_rows) as current_rows
    from bins
    left join category_floors
        on
            bins.comparison = category_floors.comparison
            and bins.source_model = category_floors.source_model
            and bins.feature_name = category_floors.feature_name
            and bins.category is not null
    group by all
),

indexed as (
    select
        grouped_bins.* exclude (bin_index),
        coalesce(
            grouped_bins.bin_index,
            row_number() over (
                partition by
                    grouped_bins.comparison,
                    grouped_bins.source_model,
                    grouped_bins.feature_name,
                    grouped_bins.bin_index is null
                order by grouped_bins.category
            )
        ) as bin_index,
        edge_sets.edges
    from grouped_bins
    left join edge_sets
        on
            grouped_bins.comparison = edge_sets.comparison
            and grouped_bins.source_model = edge_sets.source_model
            and grouped_bins.feature_name = edge_sets.feature_name
)

select
    ---------- dates
    current_snapshot.as_of_date,
    ---------- strings
    indexed.comparison,
    indexed.source_model,
    indexed.feature_name,
    indexed.feature_kind,
    indexed.feature_role,
    ---------- numerics
    cast(indexed.bin_index as integer) as bin_index,
    case
        when indexed.feature_role = 'numeric' and indexed.bin_index >= 2
            then {{ list_at('indexed.edges', 'indexed.bin_index - 1') }}
    end as lower_edge,
    case
        when indexed.feature_role = 'numeric' and indexed.bin_index between 1 and {{ list_length('indexed.edges') }}
            then {{ list_at('indexed.edges', 'indexed.bin_index') }}
    end as upper_edge,
    indexed.category,
    cast(indexed.reference_rows as bigint) as reference_rows,
    cast(indexed.current_rows as bigint) as current_rows,
    ---------- dates
    case
        when indexed.comparison = 'previous_vs_current' then previous_snapshot.as_of_date
        when indexed.comparison = 'training_vs_current' and indexed.source_model = 'customer_features'
            then training_snapshot.as_of_date
        else current_snapshot.as_of_date
    end as reference_as_of_date,
    ---------- timestamps
    {{ build_time() }} as recorded_at
from indexed
cross join current_snapshot
cross join training_snapshot
cross join previous_snapshot
