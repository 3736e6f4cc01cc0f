{#-
    feature_values(relation, source_model, population, numeric_features, categorical_features,
    feature_kind='feature'): the features of `relation` in long form, one row per row of the relation
    and feature: (population, source_model, feature_name, feature_kind, feature_role, numeric_value,
    category). Numeric features are read as double (booleans 1/0), categorical ones as text (column category), as the
    models read them (audience.jobs.feature_frame); nulls are kept (they get a bin of their own).
    `relation` may be a CTE name. The feature lists come from `feature_registry` at run time; when
    both are empty (a fresh warehouse being compiled) the result is empty but typed. Call it at an
    indent of 4 (a CTE body): the SQL is laid out for that.
    counted=true: each distinct value once per feature, with its rows (column value_rows): what the
    bins count, grouped while the key is just (feature_name, value) (at L the long form is over 100M rows).
-#}
{% macro feature_values(relation, source_model, population, numeric_features, categorical_features,
    feature_kind='feature', counted=false) -%}
    {%- set parts = [] -%}
    {%- if numeric_features | length > 0 -%}
        {%- do parts.append(_feature_values_unpivot(
            relation, source_model, population, numeric_features, feature_kind, 'numeric', counted
        )) -%}
    {%- endif -%}
    {%- if categorical_features | length > 0 -%}
        {%- do parts.append(_feature_values_unpivot(
            relation, source_model, population, categorical_features, feature_kind, 'categorical', counted
        )) -%}
    {%- endif -%}
    {%- if parts | length == 0 -%}
select
        cast(null as varchar) as population,
        cast(null as varchar) as source_model,
        cast(null as varchar) as feature_name,
        cast(null as varchar) as feature_kind,
        cast(null as varchar) as feature_role,
        cast(null as double) as numeric_value,
        cast(null as varchar) as category{{ ',' if counted }}
        {%- if counted %}
        cast(null as bigint) as value_rows
        {%- endif %}
    from {{ relation }}
    where false
    {%- else -%}
        {{ parts | join('\n    union all\n    ') }}
    {%- endif -%}
{%- endmacro %}


{% macro _feature_values_unpivot(relation, source_model, population, features, feature_kind, role, counted) -%}
    {%- set value_type = 'double' if role == 'numeric' else 'varchar' -%}
select
        '{{ population }}' as population,
        '{{ source_model }}' as source_model,
        feature_name,
        '{{ feature_kind }}' as feature_kind,
        '{{ role }}' as feature_role,
        {{ 'feature_value' if role == 'numeric' else 'cast(null as double)' }} as numeric_value,
        {{ 'feature_value' if role == 'categorical' else 'cast(null as varchar)' }} as category{{ ',' if counted }}
        {%- if counted %}
        count(*) as value_rows
        {%- endif %}
    from (
        select
            {%- for feature in features %}
            cast({{ feature }} as {{ value_type }}) as {{ feature }}{{ ',' if not loop.last }}
            {%- endfor %}
        from {{ relation }}
    ) unpivot include nulls (feature_value for feature_name in ({{ features | join(', ') }}))
    {%- if counted %}
    group by feature_name, feature_value
    {%- endif %}
{%- endmacro %}


{#-
    feature_values_union(populations, counted=false): feature_values of each population, union all;
    `populations` is a list of [relation, source_model, population, numeric_features,
    categorical_features, feature_kind]. Call it at an indent of 4 (a CTE body).
-#}
{% macro feature_values_union(populations, counted=false) -%}
    {%- for population in populations -%}
        {{ feature_values(*population, counted=counted) }}
        {{- '\n    union all\n    ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
