{#-
    Engine-specific SQL of the marts downstream of the dbt Python models (segments, scoring, history,
    monitoring, activation; issue 14), behind `adapter.dispatch` macros with a DuckDB (`duckdb__`, the
    spelling the models had: DuckDB's output is unchanged) and a Spark (`spark__`, Spark SQL 4)
    implementation; `default__` fails with a clear message on any other engine. Lists are 1-based on
    both sides of these macros (DuckDB's convention).

    ordered_string_agg(expression, separator, order_by, distinct=false): the values joined in
        `order_by` order (null when there are none); a FILTER clause may follow it.
    ordered_sum(expression, order_by): the sum of the values added in `order_by` order (floating-point
        sums depend on the order; nulls skipped, null when every value is null).
    discrete_quantiles(column, fractions): the list of discrete quantiles (a value of the column, no
        interpolation) at each fraction; DuckDB's quantile_disc and Spark's percentile_disc agree.
    sorted_distinct_list(list): the list's distinct values in ascending order.
    list_sorted(list): the list in ascending order.
    empty_typed_list(type): an empty list of `type` elements.
    count_list_below(list, value): how many elements of `list` are strictly below `value`.
    list_at(list, position): the element at 1-based `position`, null past the end.
    list_length(list): the number of elements.
-#}
{% macro ordered_string_agg(expression, separator, order_by, distinct=false) -%}
    {{ return(adapter.dispatch('ordered_string_agg')(expression, separator, order_by, distinct)) }}
{%- endmacro %}
{% macro duckdb__ordered_string_agg(expression, separator, order_by, distinct) -%}
    string_agg({{ 'distinct ' if distinct }}{{ expression }}, {{ separator }} order by {{ order_by }})
{%- endmacro %}
{% macro spark__ordered_string_agg(expression, separator, order_by, distinct) -%}
    string_agg({{ 'distinct ' if distinct }}{{ expression }}, {{ separator }}) within group (order by {{ order_by }})
{%- endmacro %}
{% macro default__ordered_string_agg(expression, separator, order_by, distinct) -%}
    {{ exceptions.raise_compiler_error('ordered_string_agg: no implementation for ' ~ target.type) }}
{%- endmacro %}

{% macro ordered_sum(expression, order_by) -%}
    {{ return(adapter.dispatch('ordered_sum')(expression, order_by)) }}
{%- endmacro %}
{% macro duckdb__ordered_sum(expression, order_by) -%}
    list_sum(list(
            {{ expression }} order by {{ order_by }}
        ))
{%- endmacro %}
{% macro spark__ordered_sum(expression, order_by) -%}
    case when count({{ expression }}) > 0 then aggregate(
            filter(
                transform(
                    array_sort(collect_list(struct({{ order_by }} as sort_key, {{ expression }} as summed))),
                    item -> item.summed
                ),
                summed -> summed is not null
            ),
            cast(0 as double),
            (total, summed) -> total + summed
        ) end
{%- endmacro %}
{% macro default__ordered_sum(expression, order_by) -%}
    {{ exceptions.raise_compiler_error('ordered_sum: no implementation for ' ~ target.type) }}
{%- endmacro %}

{% macro discrete_quantiles(column, fractions) -%}
    {{ return(adapter.dispatch('discrete_quantiles')(column, fractions)) }}
{%- endmacro %}
{% macro duckdb__discrete_quantiles(column, fractions) -%}
    quantile_disc({{ column }}, [{{ fractions | join(', ') }}])
{%- endmacro %}
{% macro spark__discrete_quantiles(column, fractions) -%}
    percentile_disc(array({{ fractions | join(', ') }})) within group (order by {{ column }})
{%- endmacro %}
{% macro default__discrete_quantiles(column, fractions) -%}
    {{ exceptions.raise_compiler_error('discrete_quantiles: no implementation for ' ~ target.type) }}
{%- endmacro %}

{% macro sorted_distinct_list(list) -%}{{ return(adapter.dispatch('sorted_distinct_list')(list)) }}{%- endmacro %}
{% macro duckdb__sorted_distinct_list(list) -%}list_sort(list_distinct({{ list }})){%- endmacro %}
{% macro spark__sorted_distinct_list(list) -%}array_sort(array_distinct({{ list }})){%- endmacro %}

{% macro list_sorted(list) -%}{{ return(adapter.dispatch('list_sorted')(list)) }}{%- endmacro %}
{% macro duckdb__list_sorted(list) -%}list_sort({{ list }}){%- endmacro %}
{% macro spark__list_sorted(list) -%}array_sort({{ list }}){%- endmacro %}

{% macro empty_typed_list(type) -%}{{ return(adapter.dispatch('empty_typed_list')(type)) }}{%- endmacro %}
{% macro duckdb__empty_typed_list(type) -%}[]{%- endmacro %}
{% macro spark__empty_typed_list(type) -%}cast(array() as array<{{ type }}>){%- endmacro %}

{% macro count_list_below(list, value) -%}{{ return(adapter.dispatch('count_list_below')(list, value)) }}{%- endmacro %}
{% macro duckdb__count_list_below(list, value) -%}len(list_filter({{ list }}, lambda edge: edge < {{ value }})){%- endmacro %}
{% macro spark__count_list_below(list, value) -%}size(filter({{ list }}, edge -> edge < {{ value }})){%- endmacro %}

{% macro list_at(list, position) -%}{{ return(adapter.dispatch('list_at')(list, position)) }}{%- endmacro %}
{% macro duckdb__list_at(list, position) -%}{{ list }}[{{ position }}]{%- endmacro %}
{#- Spark's get() is 0-based and null out of bounds -#}
{% macro spark__list_at(list, position) -%}get({{ list }}, {{ position }} - 1){%- endmacro %}

{% macro list_length(list) -%}{{ return(adapter.dispatch('list_length')(list)) }}{%- endmacro %}
{% macro duckdb__list_length(list) -%}len({{ list }}){%- endmacro %}
{% macro spark__list_length(list) -%}size({{ list }}){%- endmacro %}

{#-
    days_between(start_date, end_date): whole days from `start_date` to `end_date` (an integer; DuckDB's
    date subtraction, Spark's datediff: Spark's `date - date` is an interval).
-#}
{% macro days_between(start_date, end_date) -%}{{ return(adapter.dispatch('days_between')(start_date, end_date)) }}{%- endmacro %}
{% macro duckdb__days_between(start_date, end_date) -%}{{ end_date }} - {{ start_date }}{%- endmacro %}
{% macro spark__days_between(start_date, end_date) -%}datediff({{ end_date }}, {{ start_date }}){%- endmacro %}

{#-
    regex_literal(pattern): a regular expression as a SQL string literal. DuckDB keeps backslashes in
    literals; Spark's parser reads `\(` as `(`, so its backslashes are doubled.
-#}
{% macro regex_literal(pattern) -%}{{ return(adapter.dispatch('regex_literal')(pattern)) }}{%- endmacro %}
{% macro duckdb__regex_literal(pattern) -%}'{{ pattern }}'{%- endmacro %}
{% macro spark__regex_literal(pattern) -%}'{{ pattern | replace('\\', '\\\\') }}'{%- endmacro %}

{#-
    cross_join_split(text, separator, alias, value_name, rank_name): a join clause giving, for each row,
    one row per item of `text` split at `separator` (a SQL string literal of plain characters: Spark
    splits at a regular expression), as `alias.value_name` and its 1-based position `alias.rank_name`.
-#}
{% macro cross_join_split(text, separator, alias, value_name, rank_name) -%}
    {{ return(adapter.dispatch('cross_join_split')(text, separator, alias, value_name, rank_name)) }}
{%- endmacro %}
{% macro duckdb__cross_join_split(text, separator, alias, value_name, rank_name) -%}
    cross join unnest(
        string_split({{ text }}, {{ separator }})
    ) with ordinality as {{ alias }} ({{ value_name }}, {{ rank_name }})
{%- endmacro %}
{% macro spark__cross_join_split(text, separator, alias, value_name, rank_name) -%}
    cross join lateral inline(transform(
        split({{ text }}, {{ separator }}),
        (item, position) -> struct(item as {{ value_name }}, position + 1 as {{ rank_name }})
    )) as {{ alias }}
{%- endmacro %}

{#-
    pair_count(n): n (n - 1) / 2, the number of unordered pairs among `n`, in exact integers (DuckDB's
    hugeint; Spark's decimal(38, 0)): products of pair counts stay exact.
-#}
{% macro pair_count(n) -%}{{ return(adapter.dispatch('pair_count')(n)) }}{%- endmacro %}
{% macro duckdb__pair_count(n) -%}cast({{ n }} as hugeint) * ({{ n }} - 1) // 2{%- endmacro %}
{% macro spark__pair_count(n) -%}cast(cast({{ n }} as decimal(38, 0)) * ({{ n }} - 1) / 2 as decimal(38, 0)){%- endmacro %}

{#-
    integer_divide(a, b): integer division truncating toward zero (DuckDB `//`, Spark `div`), used by
    quintile_score (macros/features). The same macro as the upstream Spark port's (macros/engine.sql
    on its branch): when both land, keep one definition.
-#}
{% macro integer_divide(a, b) -%}{{ return(adapter.dispatch('integer_divide')(a, b)) }}{%- endmacro %}
{% macro duckdb__integer_divide(a, b) -%}{{ a }} // {{ b }}{%- endmacro %}
{% macro spark__integer_divide(a, b) -%}{{ a }} div {{ b }}{%- endmacro %}

{#-
    previous_build(relation): where a table model reads its own previous build (`relation` is `this`,
    known to exist). DuckDB: the table itself (the new one replaces it in one transaction). Spark:
    dbt-spark drops a Parquet table before it writes the new one, so the model would read a table that
    no longer exists; the previous build is first copied to `<identifier>__previous_build` (replaced at
    every build) and the model reads the copy.
-#}
{% macro previous_build(relation) -%}{{ return(adapter.dispatch('previous_build')(relation)) }}{%- endmacro %}
{% macro duckdb__previous_build(relation) -%}{{ return(relation) }}{%- endmacro %}
{% macro spark__previous_build(relation) -%}
    {%- set copy = relation.incorporate(path={'identifier': relation.identifier ~ '__previous_build'}) -%}
    {%- if execute -%}
        {%- do run_query('drop table if exists ' ~ copy) -%}
        {%- do run_query('create table ' ~ copy ~ ' as select * from ' ~ relation) -%}
    {%- endif -%}
    {{ return(copy) }}
{%- endmacro %}
