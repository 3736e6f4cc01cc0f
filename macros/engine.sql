{#-
    Engine-specific SQL of the feature and session models, behind small macros: a DuckDB (`duckdb__`)
    and a Spark (`spark__`, issue 14; Spark SQL 4) implementation of each; `default__` fails with a
    clear message on any other engine.

    order_key(columns): a composite sort key, compared column by column (first column first): the
        order argument of min_by / max_by when one column does not decide, e.g.
        `min_by(customer_id, {{ order_key(['occurred_at', 'event_id']) }})`.
    min_by_keep_nulls(value, order): the value of `value` on the row with the smallest `order`,
        null when that row's value is null (min_by itself skips null values in DuckDB; use it with
        `filter (where value is not null)` to make that explicit).
    named_struct(columns): below.
-#}
{% macro order_key(columns) -%}
    {{ return(adapter.dispatch('order_key')(columns)) }}
{%- endmacro %}

{% macro duckdb__order_key(columns) -%}
    ({{ columns | join(', ') }})
{%- endmacro %}

{#- Spark compares structs field by field, in field order: the same order as DuckDB's row value. -#}
{% macro spark__order_key(columns) -%}
    struct({{ columns | join(', ') }})
{%- endmacro %}

{% macro default__order_key(columns) -%}
    {{ exceptions.raise_compiler_error('order_key: no implementation for ' ~ target.type) }}
{%- endmacro %}


{% macro min_by_keep_nulls(value, order) -%}
    {{ return(adapter.dispatch('min_by_keep_nulls')(value, order)) }}
{%- endmacro %}

{% macro duckdb__min_by_keep_nulls(value, order) -%}
    arg_min_null({{ value }}, {{ order }})
{%- endmacro %}

{#- Spark's min_by returns the value of the row with the smallest order, null when that value is null. -#}
{% macro spark__min_by_keep_nulls(value, order) -%}
    min_by({{ value }}, {{ order }})
{%- endmacro %}

{% macro default__min_by_keep_nulls(value, order) -%}
    {{ exceptions.raise_compiler_error('min_by_keep_nulls: no implementation for ' ~ target.type) }}
{%- endmacro %}


{#-
    named_struct(columns): a struct of the columns, each field named as its column without a table
    prefix (`web_events.page_url` -> field page_url, read with `.page_url`).
-#}
{% macro named_struct(columns) -%}
    {{ return(adapter.dispatch('named_struct')(columns)) }}
{%- endmacro %}

{% macro duckdb__named_struct(columns) -%}
    {
    {%- for column in columns %}'{{ column.split('.')[-1] }}': {{ column }}{{ ', ' if not loop.last }}{% endfor -%}
    }
{%- endmacro %}

{% macro spark__named_struct(columns) -%}
    named_struct(
    {%- for column in columns %}'{{ column.split('.')[-1] }}', {{ column }}{{ ', ' if not loop.last }}{% endfor -%}
    )
{%- endmacro %}

{% macro default__named_struct(columns) -%}
    {{ exceptions.raise_compiler_error('named_struct: no implementation for ' ~ target.type) }}
{%- endmacro %}


{#-
    is_minimum_tied(column): aggregate; whether the smallest value of `column` in the group occurs more
    than once (false for a group of one row). Lets a query take the row of the minimum with a cheap
    key (min_by(x, column)) and fall back to a full order key only where that is ambiguous.
-#}
{% macro is_minimum_tied(column) -%}
    {{ return(adapter.dispatch('is_minimum_tied')(column)) }}
{%- endmacro %}

{% macro duckdb__is_minimum_tied(column) -%}
    coalesce(min({{ column }}, 2)[1] = min({{ column }}, 2)[2], false)
{%- endmacro %}

{#- Spark has no min(x, n): the two smallest values of the sorted group (nulls skipped, as in DuckDB). -#}
{% macro spark__is_minimum_tied(column) -%}
    coalesce(
        try_element_at(array_sort(collect_list({{ column }})), 1)
        = try_element_at(array_sort(collect_list({{ column }})), 2),
        false
    )
{%- endmacro %}

{% macro default__is_minimum_tied(column) -%}
    {{ exceptions.raise_compiler_error('is_minimum_tied: no implementation for ' ~ target.type) }}
{%- endmacro %}


{#-
    Types and lists (issue 14): what the scorers and the raw reader need on both engines.

    text_type(): the type of text values (DuckDB varchar; Spark string: its varchar needs a length).
    collect_list(expression): aggregate; the non-null values of the group as a list.
    list_contains_value(list, value): whether the list (null: the empty list) holds the value.
-#}
{% macro text_type() -%}
    {{ return(adapter.dispatch('text_type')()) }}
{%- endmacro %}

{% macro duckdb__text_type() -%}
    varchar
{%- endmacro %}

{% macro spark__text_type() -%}
    string
{%- endmacro %}

{% macro default__text_type() -%}
    {{ exceptions.raise_compiler_error('text_type: no implementation for ' ~ target.type) }}
{%- endmacro %}


{% macro collect_list(expression) -%}
    {{ return(adapter.dispatch('collect_list')(expression)) }}
{%- endmacro %}

{% macro duckdb__collect_list(expression) -%}
    list({{ expression }}) filter (where {{ expression }} is not null)
{%- endmacro %}

{% macro spark__collect_list(expression) -%}
    collect_list({{ expression }})
{%- endmacro %}

{% macro default__collect_list(expression) -%}
    {{ exceptions.raise_compiler_error('collect_list: no implementation for ' ~ target.type) }}
{%- endmacro %}


{% macro list_contains_value(list, value) -%}
    {{ return(adapter.dispatch('list_contains_value')(list, value)) }}
{%- endmacro %}

{% macro duckdb__list_contains_value(list, value) -%}
    list_contains(coalesce({{ list }}, []), {{ value }})
{%- endmacro %}

{% macro spark__list_contains_value(list, value) -%}
    array_contains(coalesce({{ list }}, array()), {{ value }})
{%- endmacro %}

{% macro default__list_contains_value(list, value) -%}
    {{ exceptions.raise_compiler_error('list_contains_value: no implementation for ' ~ target.type) }}
{%- endmacro %}


{#-
    dbt's cast() on Spark (overrides dbt-spark's): the YAML contracts declare text columns as `varchar`,
    which Spark accepts only with a length; as a cast target it is Spark's `string`. dbt builds the
    contract check and the empty-schema query with this macro, so the contracts hold on both engines.
-#}
{% macro spark__cast(field, type) -%}
    cast({{ field }} as {{ 'string' if (type | string | trim | lower) in ('varchar', 'text') else type }})
{%- endmacro %}
