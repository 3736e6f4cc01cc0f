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
    first_row_key(time_column, id_column, reverse=false): a whole number (fixed size: DuckDB hugeint,
    Spark decimal(38, 0)) that orders rows by `time_column`, then by a 64-bit hash of `id_column`
    (ascending; descending with reverse=true). `min_by(column, key)` per column then takes the first
    row's values, and DuckDB's hash aggregate can spill those states to disk; a struct or list state
    (min_by(struct, ...), min(x, 2)) cannot: at 67M web events that ran out of memory.
    first_row_time_hash(key, time_column): the hash part of the group's min(key) (`time_column` the
    group's min(time_column)). Two rows share the first time when the minima of the ascending and the
    descending key name different hashes: first_row_time_hash(asc) + first_row_time_hash(desc) != 2^64 - 1
    (two ids with one hash, 1 in 2^64, would not be told apart).
-#}

{% macro first_row_key(time_column, id_column, reverse=false) -%}
    cast({{ epoch_microseconds(time_column) }} as {{ whole_number_type() }}) * 18446744073709551616
    + {% if reverse %}(18446744073709551615 - {{ unsigned_hash(id_column) }}){% else %}{{ unsigned_hash(id_column) }}{% endif %}
{%- endmacro %}

{% macro first_row_time_hash(key, time_column) -%}
    ({{ key }} - cast({{ epoch_microseconds(time_column) }} as {{ whole_number_type() }}) * 18446744073709551616)
{%- endmacro %}

{#- epoch_microseconds(timestamp): microseconds since 1970-01-01 00:00 (UTC), a bigint. -#}
{% macro epoch_microseconds(timestamp) -%}{{ return(adapter.dispatch('epoch_microseconds')(timestamp)) }}{%- endmacro %}
{% macro duckdb__epoch_microseconds(timestamp) -%}epoch_us({{ timestamp }}){%- endmacro %}
{% macro spark__epoch_microseconds(timestamp) -%}unix_micros({{ timestamp }}){%- endmacro %}

{#- unsigned_hash(expression): a 64-bit hash of the value, 0 .. 2^64 - 1, as whole_number_type(). -#}
{% macro unsigned_hash(expression) -%}{{ return(adapter.dispatch('unsigned_hash')(expression)) }}{%- endmacro %}
{% macro duckdb__unsigned_hash(expression) -%}cast(hash({{ expression }}) as hugeint){%- endmacro %}
{% macro spark__unsigned_hash(expression) -%}
    (cast(xxhash64({{ expression }}) as decimal(38, 0)) + 9223372036854775808)
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
    The raw reader's typing and quarantine constructs (macros/raw, macros/dq), one pair per construct:

    byte_length(text)           length in bytes (a cheap bound before comparing with short tokens)
    fail_with(message)          fails the query with the message (a text expression)
    whole_number_type()         an integer type wide enough for any id stored as a number
    is_whole_number(number)     whether a float or decimal has no fractional part
    parse_utc_timestamp(text)   ISO 8601 text to a UTC timestamp (an offset honoured, none = UTC); null when unparseable
    utc_timestamp(value)        a timestamp with time zone as a UTC timestamp
    row_hash(expression)        a 64-bit hash of a value (a struct included)
    struct_literal(fields)      a struct from (name, expression) pairs
    struct_type(fields)         the type of such a struct, from (name, 'text' | other type) pairs
    list_type(type)             the type of a list of `type`
    non_null_list(items, name)  the list of the expressions `items` without the null ones
    list_concat_of(a, b)        two lists as one
-#}
{% macro byte_length(text) -%}{{ return(adapter.dispatch('byte_length')(text)) }}{%- endmacro %}
{% macro duckdb__byte_length(text) -%}strlen({{ text }}){%- endmacro %}
{% macro spark__byte_length(text) -%}octet_length({{ text }}){%- endmacro %}

{% macro fail_with(message) -%}{{ return(adapter.dispatch('fail_with')(message)) }}{%- endmacro %}
{% macro duckdb__fail_with(message) -%}error({{ message }}){%- endmacro %}
{% macro spark__fail_with(message) -%}raise_error({{ message }}){%- endmacro %}

{% macro whole_number_type() -%}{{ return(adapter.dispatch('whole_number_type')()) }}{%- endmacro %}
{% macro duckdb__whole_number_type() -%}hugeint{%- endmacro %}
{% macro spark__whole_number_type() -%}decimal(38, 0){%- endmacro %}

{% macro is_whole_number(number) -%}{{ return(adapter.dispatch('is_whole_number')(number)) }}{%- endmacro %}
{% macro duckdb__is_whole_number(number) -%}({{ number }}) = trunc({{ number }}){%- endmacro %}
{% macro spark__is_whole_number(number) -%}({{ number }}) = floor({{ number }}){%- endmacro %}

{% macro parse_utc_timestamp(text) -%}{{ return(adapter.dispatch('parse_utc_timestamp')(text)) }}{%- endmacro %}
{% macro duckdb__parse_utc_timestamp(text) -%}timezone('UTC', try_cast({{ text }} as timestamptz)){%- endmacro %}
{#- the session time zone is UTC (profiles.yml), so text without an offset reads as UTC -#}
{% macro spark__parse_utc_timestamp(text) -%}try_cast({{ text }} as timestamp){%- endmacro %}

{% macro utc_timestamp(value) -%}{{ return(adapter.dispatch('utc_timestamp')(value)) }}{%- endmacro %}
{% macro duckdb__utc_timestamp(value) -%}timezone('UTC', {{ value }}){%- endmacro %}
{% macro spark__utc_timestamp(value) -%}{{ value }}{%- endmacro %}

{% macro row_hash(expression) -%}{{ return(adapter.dispatch('row_hash')(expression)) }}{%- endmacro %}
{% macro duckdb__row_hash(expression) -%}hash({{ expression }}){%- endmacro %}
{% macro spark__row_hash(expression) -%}xxhash64({{ expression }}){%- endmacro %}

{% macro struct_literal(fields) -%}{{ return(adapter.dispatch('struct_literal')(fields)) }}{%- endmacro %}
{% macro duckdb__struct_literal(fields) -%}
    { {%- for name, expression in fields %}'{{ name }}': {{ expression }}{{ ', ' if not loop.last }}{% endfor -%} }
{%- endmacro %}
{% macro spark__struct_literal(fields) -%}
    named_struct({%- for name, expression in fields %}'{{ name }}', {{ expression }}{{ ', ' if not loop.last }}{% endfor -%})
{%- endmacro %}

{% macro struct_type(fields) -%}{{ return(adapter.dispatch('struct_type')(fields)) }}{%- endmacro %}
{% macro duckdb__struct_type(fields) -%}
    struct({%- for name, type in fields %}{{ name }} {{ 'varchar' if type == 'text' else type }}{{ ', ' if not loop.last }}{% endfor -%})
{%- endmacro %}
{% macro spark__struct_type(fields) -%}
    struct<{%- for name, type in fields %}{{ name }}: {{ 'string' if type == 'text' else type }}{{ ', ' if not loop.last }}{% endfor -%}>
{%- endmacro %}

{% macro list_type(type) -%}{{ return(adapter.dispatch('list_type')(type)) }}{%- endmacro %}
{% macro duckdb__list_type(type) -%}{{ type }}[]{%- endmacro %}
{% macro spark__list_type(type) -%}array<{{ type }}>{%- endmacro %}

{% macro non_null_list(items, name='item') -%}{{ return(adapter.dispatch('non_null_list')(items, name)) }}{%- endmacro %}
{% macro duckdb__non_null_list(items, name) -%}
    list_filter([{{ items | join(', ') }}], lambda {{ name }}: {{ name }} is not null)
{%- endmacro %}
{#- no lambda: Spark refuses a subquery (an outlier threshold) inside a higher-order function's arguments -#}
{% macro spark__non_null_list(items, name) -%}
    array_compact(array({{ items | join(', ') }}))
{%- endmacro %}

{% macro list_concat_of(first, second) -%}{{ return(adapter.dispatch('list_concat_of')(first, second)) }}{%- endmacro %}
{% macro duckdb__list_concat_of(first, second) -%}list_concat({{ first }}, {{ second }}){%- endmacro %}
{% macro spark__list_concat_of(first, second) -%}concat({{ first }}, {{ second }}){%- endmacro %}
