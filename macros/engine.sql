{#-
    Engine-specific SQL of the feature and session models, behind small macros (issue 14, Spark, adds
    a `spark__` implementation of each). DuckDB is the only engine implemented; `default__` fails
    with a clear message elsewhere.

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

{% macro default__order_key(columns) -%}
    {{ exceptions.raise_compiler_error('order_key: no implementation for ' ~ target.type) }}
{%- endmacro %}


{% macro min_by_keep_nulls(value, order) -%}
    {{ return(adapter.dispatch('min_by_keep_nulls')(value, order)) }}
{%- endmacro %}

{% macro duckdb__min_by_keep_nulls(value, order) -%}
    arg_min_null({{ value }}, {{ order }})
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

{% macro default__is_minimum_tied(column) -%}
    {{ exceptions.raise_compiler_error('is_minimum_tied: no implementation for ' ~ target.type) }}
{%- endmacro %}
