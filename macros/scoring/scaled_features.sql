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
    Used by every SQL scorer (nearest centroid, logistic), so the formula lives here only.
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
                coalesce(
                    try_cast(raw_value as double),
                    cast(try_cast(raw_value as boolean) as double)
                ) as numeric_value,
                coalesce(raw_value, '__missing__') as category_value
            from feature_values
        ),

        transformed as (
            select
                typed_values.scored_id,
                feature_params.output_feature,
                case feature_params.transform
                    when 'identity'
                        then coalesce(typed_values.numeric_value, feature_params.impute_value)
                    when 'log1p'
                        then ln(1 + greatest(coalesce(typed_values.numeric_value, feature_params.impute_value), 0))
                    when 'missing_indicator'
                        then cast(typed_values.raw_value is null as double)
                    when 'one_hot'
                        then cast(
                            case
                                when feature_params.category = '__other__'
                                    then not {{ list_contains_value(
                                        'kept_categories.categories', 'typed_values.category_value'
                                    ) }}
                                else typed_values.category_value = feature_params.category
                            end as double
                        )
                end as transformed_value,
                feature_params.transform in ('identity', 'log1p') and typed_values.numeric_value is null
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
