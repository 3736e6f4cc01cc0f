{#-
    scaled_features(features, id_column, params): the model's preprocessing redone in SQL, from the
    parameter table alone (the `segment_scaler_params` / `scoring_model_coefficients` columns
    source_feature, output_feature, transform, category, impute_value, center, scale).
    Returns a subquery of (id, output_feature, scaled_value, is_imputed), one row per id and output
    column (is_imputed: a numeric value column whose value was null and took impute_value):

      identity          z = (coalesce(x, impute_value) - center) / scale
      log1p             z = (ln(1 + greatest(coalesce(x, impute_value), 0)) - center) / scale
      missing_indicator z = ((x is null) - center) / scale
      one_hot           z = ((coalesce(x, '__missing__') = category) - center) / scale; the
                        '__other__' column is 1 when the value is none of the kept categories

    x is read as double for numeric transforms (booleans as 0/1) and as text for one_hot, exactly as
    audience.preprocessing.Preprocessor.transform does. The feature list comes from the parameter
    table at run time; the SQL itself is plain (union all, joins, case), portable to other engines.
    The SQL scorers use it on Spark (default__ implementations of linear_predictors and
    nearest_centroid_distances); on DuckDB they use scaled_feature_columns, the same values across columns.
    Both take the formula from the preprocessing_* macros below, its one place.
-#}
{% macro scaled_features(features, id_column, params, params_filter='true') -%}
    {%- set source_features = distinct_values(params, 'source_feature', params_filter) -%}
    (
        with

        feature_params as (
            select * from {{ params }}
            where {{ params_filter }}
        ),

        kept_categories as (
            select
                source_feature,
                {{ collect_list('category') }} as categories
            from feature_params
            where transform = 'one_hot' and category != '__other__'
            group by source_feature
        ),

        feature_values as (
            {{ feature_values_long(features, id_column, source_features) }}
        ),

        typed_values as (
            select
                scored_id,
                source_feature,
                raw_value,
                {{ preprocessing_numeric('raw_value') }} as numeric_value,
                {{ preprocessing_category('raw_value') }} as category_value
            from feature_values
        ),

        transformed as (
            select
                typed_values.scored_id,
                feature_params.output_feature,
                {{ preprocessing_transform(
                    'feature_params.transform', 'typed_values.numeric_value', 'typed_values.raw_value',
                    'feature_params.impute_value',
                    "case when feature_params.category = '__other__' then not "
                    ~ list_contains_value('kept_categories.categories', 'typed_values.category_value')
                    ~ ' else typed_values.category_value = feature_params.category end'
                ) }} as transformed_value,
                {{ preprocessing_is_imputed('feature_params.transform', 'typed_values.numeric_value') }}
                    as is_imputed,
                feature_params.center,
                feature_params.scale
            from typed_values
            inner join feature_params
                on typed_values.source_feature = feature_params.source_feature
            left join kept_categories
                on typed_values.source_feature = kept_categories.source_feature
        )

        select
            scored_id,
            output_feature,
            (transformed_value - center) / scale as scaled_value,
            is_imputed
        from transformed
    )
{%- endmacro %}



{#-
    The preprocessing of one value, shared by scaled_features (the parameters as columns) and
    linear_predictors (the parameters' shape known when the model compiles), so the formula lives once:
    preprocessing_numeric(raw_value): x as double from its text (booleans 0/1);
    preprocessing_category(raw_value): x as a level ('__missing__' for null);
    preprocessing_transform(transform, numeric_value, raw_value, impute_value, one_hot_match): the
        transformed value before centring and scaling; one_hot_match is the condition of a one-hot column;
        `transform` is a column (a case over the transforms) or a transform's name (its formula alone);
    preprocessing_is_imputed(transform, numeric_value): a numeric value that was null and took impute_value.
-#}
{% macro preprocessing_numeric(raw_value) -%}
    coalesce(try_cast({{ raw_value }} as double), cast(try_cast({{ raw_value }} as boolean) as double))
{%- endmacro %}

{% macro preprocessing_category(raw_value) -%}
    coalesce({{ raw_value }}, '__missing__')
{%- endmacro %}

{% macro preprocessing_transform(transform, numeric_value, raw_value, impute_value, one_hot_match) -%}
    {%- set formulas = {
        'identity': 'coalesce(' ~ numeric_value ~ ', ' ~ impute_value ~ ')',
        'log1p': 'ln(1 + greatest(coalesce(' ~ numeric_value ~ ', ' ~ impute_value ~ '), 0))',
        'missing_indicator': 'cast(' ~ raw_value ~ ' is null as double)',
        'one_hot': 'cast(' ~ one_hot_match ~ ' as double)',
    } -%}
    {%- if transform in formulas -%}
        {{ formulas[transform] }}
    {%- else -%}
    case {{ transform }}
        {%- for name, formula in formulas.items() %}
        when '{{ name }}' then {{ formula }}
        {%- endfor %}
    end
    {%- endif -%}
{%- endmacro %}

{% macro preprocessing_is_imputed(transform, numeric_value) -%}
    {{ transform }} in ('identity', 'log1p') and {{ numeric_value }} is null
{%- endmacro %}


{#-
    scaled_feature_outputs(params, params_filter='true'): the parameter table's output columns, read when
    the model compiles (rows with output_feature, source_feature, transform, category, in that order;
    [] while dbt parses or before the table exists). Column i of scaled_feature_columns is row i.

    scaled_feature_columns(features, id_column, params, params_filter='true'): the preprocessing of
    scaled_features with one row per row of `features` and one column per output column: a subquery of
    (scored_id, scaled_value_1 .. scaled_value_n, has_imputed_value). The names, transforms and
    categories come from scaled_feature_outputs, the numbers (imputed values, centres, scales) from the
    table at run time; the values are those of scaled_features to the last bit. DuckDB only (the
    callers' default__ implementations use scaled_features).
-#}
{% macro scaled_feature_outputs(params, params_filter='true') -%}
    {{ return(relation_rows(params, ['output_feature', 'source_feature', 'transform', 'category'], params_filter)) }}
{%- endmacro %}

{% macro _output_filter(output) -%}
    output_feature = '{{ output['output_feature'] | replace("'", "''") }}'
{%- endmacro %}

{% macro scaled_feature_columns(features, id_column, params, params_filter='true') -%}
    {%- set outputs = scaled_feature_outputs(params, params_filter) -%}
    {%- set sources = outputs | map(attribute='source_feature') | unique | sort | list -%}
    (
        with

        parameters as (
            select
                {%- for output in outputs %}
                max(impute_value) filter (where {{ _output_filter(output) }}) as impute_value_{{ loop.index }},
                max(center) filter (where {{ _output_filter(output) }}) as center_{{ loop.index }},
                max(scale) filter (where {{ _output_filter(output) }}) as scale_{{ loop.index }},
                {%- endfor %}
                count(*) as parameter_rows
            from {{ params }}
            where {{ params_filter }}
        ),

        raw_values as (
            select
                {%- for source in sources %}
                cast({{ adapter.quote(source) }} as {{ text_type() }}) as raw_value_{{ loop.index }},
                {%- endfor %}
                {{ id_column }} as scored_id
            from {{ features }}
        ),

        typed_values as (
            select
                {%- for source in sources %}
                raw_value_{{ loop.index }},
                {{ preprocessing_numeric('raw_value_' ~ loop.index) }} as numeric_value_{{ loop.index }},
                {{ preprocessing_category('raw_value_' ~ loop.index) }} as category_value_{{ loop.index }},
                {%- endfor %}
                scored_id
            from raw_values
        )

        select
            typed_values.scored_id,
            {%- set imputed = [] %}
            {%- for output in outputs %}
            {%- set i = loop.index %}
            {%- set s = sources.index(output['source_feature']) + 1 %}
            {%- if output['category'] == '__other__' %}
            {%- set kept = outputs
                | selectattr('source_feature', 'equalto', output['source_feature'])
                | selectattr('transform', 'equalto', 'one_hot')
                | map(attribute='category') | reject('equalto', '__other__') | reject('none') | list %}
            {%- set match = 'true' if not kept else 'typed_values.category_value_' ~ s ~ " not in ('"
                ~ (kept | map('replace', "'", "''") | join("', '")) ~ "')" %}
            {%- else %}
            {%- set match = 'typed_values.category_value_' ~ s ~ " = '"
                ~ ((output['category'] or '') | replace("'", "''")) ~ "'" %}
            {%- endif %}
            {%- if output['transform'] in ('identity', 'log1p') %}
            {%- do imputed.append('typed_values.numeric_value_' ~ s ~ ' is null') %}
            {%- endif %}
            ({{ preprocessing_transform(
                output['transform'], 'typed_values.numeric_value_' ~ s, 'typed_values.raw_value_' ~ s,
                'parameters.impute_value_' ~ i, match
            ) }} - parameters.center_{{ i }}) / parameters.scale_{{ i }} as scaled_value_{{ i }},
            {%- endfor %}
            {{ (imputed | unique | list | join(' or ')) if imputed else 'false' }} as has_imputed_value
        from typed_values
        cross join parameters
        where parameters.parameter_rows > 0
    )
{%- endmacro %}


{#-
    linear_predictors(features, id_column, params, params_filter='true'): a logistic model's linear
    predictor from its parameter table (`model_coefficients`: the scaled_features columns plus
    coefficient and intercept): a subquery of (scored_id, eta, has_imputed_value), one row per row of
    `features` (none when the filter selects no parameter), eta = intercept + sum(coefficient * z) with
    the terms added as exact decimals (exact_sums.sql: the same value in any order).
    DuckDB: across the columns of scaled_feature_columns (no long form of ids x output columns, 114M rows
    at L, and no group by). DuckDB keeps decimal(38, 18) when it adds two; Spark narrows the scale at each
    addition, so elsewhere the long form and an exact `sum` are used (default__); both give the same value.
-#}
{% macro linear_predictors(features, id_column, params, params_filter='true') -%}
    {{ return(adapter.dispatch('linear_predictors')(features, id_column, params, params_filter)) }}
{%- endmacro %}

{% macro default__linear_predictors(features, id_column, params, params_filter='true') -%}
    (
        select
            scaled.scored_id,
            any_value(coefficients.intercept)
            + cast({{ exact_sum('coefficients.coefficient * scaled.scaled_value') }} as double) as eta,
            bool_or(scaled.is_imputed) as has_imputed_value
        from {{ scaled_features(features, id_column, params, params_filter) }} as scaled
        inner join (select * from {{ params }} where {{ params_filter }}) as coefficients
            on scaled.output_feature = coefficients.output_feature
        group by scaled.scored_id
    )
{%- endmacro %}

{% macro duckdb__linear_predictors(features, id_column, params, params_filter='true') -%}
    {%- set outputs = scaled_feature_outputs(params, params_filter) -%}
    {%- if not outputs %}
    (
        select
            cast(null as {{ text_type() }}) as scored_id,
            cast(null as double) as eta,
            cast(null as boolean) as has_imputed_value
        where false
    )
    {%- else %}
    (
        select
            scaled.scored_id,
            coefficients.intercept + cast(
                {%- for output in outputs %}
                cast(coefficients.coefficient_{{ loop.index }} * scaled.scaled_value_{{ loop.index }}
                    as decimal(38, 18)){{ ' +' if not loop.last }}
                {%- endfor %}
            as double) as eta,
            scaled.has_imputed_value
        from {{ scaled_feature_columns(features, id_column, params, params_filter) }} as scaled
        cross join (
            select
                {%- for output in outputs %}
                max(coefficient) filter (where {{ _output_filter(output) }}) as coefficient_{{ loop.index }},
                {%- endfor %}
                max(intercept) as intercept
            from {{ params }}
            where {{ params_filter }}
        ) as coefficients
    )
    {%- endif %}
{%- endmacro %}


{#-
    nearest_centroid_distances(features, id_column, params, centroids): the Euclidean distance of every
    row of `features`, preprocessed by `params` (`segment_scaler_params`), to every centroid of
    `centroids` (`segment_centroids`: segment_id, feature, scaled_value): a subquery of (scored_id,
    segment_id, distance_to_centroid). The squared differences are added as exact decimals, the square
    root taken once in double. DuckDB: across the columns of scaled_feature_columns, against one row per
    centroid; elsewhere the long form and an exact `sum` (default__, see linear_predictors); same values.
-#}
{% macro nearest_centroid_distances(features, id_column, params, centroids) -%}
    {{ return(adapter.dispatch('nearest_centroid_distances')(features, id_column, params, centroids)) }}
{%- endmacro %}

{% macro default__nearest_centroid_distances(features, id_column, params, centroids) -%}
    (
        select
            scaled.scored_id,
            centroids.segment_id,
            sqrt(cast({{ exact_sum('power(scaled.scaled_value - centroids.scaled_value, 2)') }} as double))
                as distance_to_centroid
        from {{ scaled_features(features, id_column, params) }} as scaled
        inner join {{ centroids }} as centroids
            on scaled.output_feature = centroids.feature
        group by scaled.scored_id, centroids.segment_id
    )
{%- endmacro %}

{% macro duckdb__nearest_centroid_distances(features, id_column, params, centroids) -%}
    {%- set outputs = scaled_feature_outputs(params) -%}
    {%- if not outputs %}
    (
        select
            cast(null as {{ text_type() }}) as scored_id,
            segment_id,
            cast(null as double) as distance_to_centroid
        from {{ centroids }}
        where false
    )
    {%- else %}
    (
        select
            scaled.scored_id,
            centroids.segment_id,
            sqrt(cast(
                {%- for output in outputs %}
                cast(power(scaled.scaled_value_{{ loop.index }} - centroids.scaled_value_{{ loop.index }}, 2)
                    as decimal(38, 18)){{ ' +' if not loop.last }}
                {%- endfor %}
            as double)) as distance_to_centroid
        from {{ scaled_feature_columns(features, id_column, params) }} as scaled
        cross join (
            select
                segment_id,
                {%- for output in outputs %}
                max(scaled_value) filter (where feature = '{{ output['output_feature'] | replace("'", "''") }}')
                    as scaled_value_{{ loop.index }}{{ ',' if not loop.last }}
                {%- endfor %}
            from {{ centroids }}
            group by segment_id
        ) as centroids
    )
    {%- endif %}
{%- endmacro %}


{#-
    feature_values_long(features, id_column, feature_names): the named columns of a wide relation as
    (scored_id, source_feature, raw_value text) rows, one per id and feature, nulls kept. Plain
    `union all` per feature, so the shape is portable.
-#}
{% macro feature_values_long(features, id_column, feature_names) -%}
    {{ return(adapter.dispatch('feature_values_long')(features, id_column, feature_names)) }}
{%- endmacro %}

{#- Spark (issue 14): one scan with stack() instead of a union of one scan per feature (same rows). -#}
{% macro spark__feature_values_long(features, id_column, feature_names) -%}
    {%- if feature_names %}
    select
        {{ id_column }} as scored_id,
        stack(
            {{ feature_names | length }},
            {%- for feature_name in feature_names %}
            '{{ feature_name }}', cast({{ adapter.quote(feature_name) }} as string){{ ',' if not loop.last }}
            {%- endfor %}
        ) as (source_feature, raw_value)
    from {{ features }}
    {%- else %}
    {{ default__feature_values_long(features, id_column, feature_names) }}
    {%- endif %}
{%- endmacro %}

{% macro default__feature_values_long(features, id_column, feature_names) -%}
    {%- for feature_name in feature_names %}
    select
        {{ id_column }} as scored_id,
        '{{ feature_name }}' as source_feature,
        cast({{ adapter.quote(feature_name) }} as {{ text_type() }}) as raw_value
    from {{ features }}
    {{- "\n    union all" if not loop.last }}
    {%- endfor %}
    {%- if not feature_names %}
    select
        cast(null as {{ text_type() }}) as scored_id,
        cast(null as {{ text_type() }}) as source_feature,
        cast(null as {{ text_type() }}) as raw_value
    where false
    {%- endif %}
{%- endmacro %}
