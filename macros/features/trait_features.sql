{#-
    trait_feature_columns(subject_type): the traits of one subject type (customer, lead, account) as
    the feature columns the table trait_registry gives them, read at run time: a list of
    {trait, feature_name, feature_role}, sorted by feature_name. [] while dbt parses and on a fresh
    warehouse (as macro distinct_values) and in unit tests, so a project without traits compiles to the
    fixed columns only.
-#}
{% macro trait_feature_columns(subject_type) -%}
    {%- set registry = ref('trait_registry') -%}
    {#- in a unit test the ref is a fixture CTE (no database): the fixture rows are not read -#}
    {%- if not execute or registry.database is none or load_relation(registry) is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set found = run_query(
        "select trait, feature_name, feature_role from " ~ registry
        ~ " where subject_type = '" ~ subject_type ~ "' order by feature_name"
    ) -%}
    {%- set columns = [] -%}
    {%- for row in found.rows -%}
        {%- do columns.append({'trait': row[0], 'feature_name': row[1], 'feature_role': row[2]}) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}


{#-
    trait_values_pivoted(latest_values, keys, columns): one row per `keys` of the relation
    `latest_values` (columns keys + trait, trait_value: at most one value per keys and trait), one
    column per trait of `columns` (trait_feature_columns): the value as double for a numeric trait,
    as a category (macro categorical_text) for a categorical one.
-#}
{% macro trait_values_pivoted(latest_values, keys, columns) -%}
    select
        {%- for key in keys %}
        {{ key }},
        {%- endfor %}
        {%- for column in columns %}
        {%- set value = "any_value(trait_value) filter (where trait = '" ~ column.trait | replace("'", "''") ~ "')" %}
        {%- if column.feature_role == 'numeric' %}
        cast({{ value }} as double) as {{ adapter.quote(column.feature_name) }},
        {%- else %}
        {{ categorical_text(value) }} as {{ adapter.quote(column.feature_name) }},
        {%- endif %}
        {%- endfor %}
        count(trait_value) as traits_known
    from {{ latest_values }}
    group by {{ keys | join(', ') }}
{%- endmacro %}


{#-
    trait_column_list(columns, relation=none): the trait feature columns of `columns` as select-list
    items (`relation.column` when a relation is given), each on its own line with a trailing comma, for
    the models that pass them through (place it before a fixed column).
-#}
{% macro trait_column_list(columns, relation=none) -%}
    {%- for column in columns %}
    {% if relation %}{{ relation }}.{% endif %}{{ adapter.quote(column.feature_name) }},
    {%- endfor %}
{%- endmacro %}
