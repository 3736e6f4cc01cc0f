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
{#- Spark's concat is null when either list is null; DuckDB's list_concat skips a null list -#}
{% macro spark__list_concat_of(first, second) -%}
    case when {{ first }} is null then {{ second }} when {{ second }} is null then {{ first }} else concat({{ first }}, {{ second }}) end
{%- endmacro %}


{#-
    The feature, B2B and DQ models' remaining DuckDB spellings (issue 14), one pair per construct. Text
    arguments named `pattern`, `replacement`, `characters` and `delimiter` are literal contents (Jinja
    strings): each implementation quotes them in its own string-literal syntax (Spark's literals treat a
    backslash as an escape, so `\s` is written `\\s` there).

    regexp_replace_all(text, pattern, replacement)  every match of the regular expression replaced (the
                                                    patterns used are the same in RE2 and Java regex)
    regexp_contains(text, pattern_expression)       whether the regular expression (an SQL expression,
                                                    e.g. a seed column) matches part of the text
    trim_characters(text, characters)               the characters removed at both ends
    split_text(text, delimiter)                     the list of the parts between the (literal) delimiter
    list_has_every(list, items)                     whether every item of `items` is in `list`
    text_list(values)                               a list literal of text values (Jinja strings)
    empty_list()                                    the empty list (its type from the context)
    sorted_list(expression)                         aggregate; the non-null values of the group, sorted
    unnest_list(list)                               in a select list: one row per item (no row for an
                                                    empty or null list)
    date_difference(unit, start, end)               whole `unit`s ('second' or 'day') from start to end,
                                                    counted as DuckDB's date_diff does (boundaries crossed)
    days_interval(days)                             an interval of `days` days (an integer expression)
    iso_weekday(ts)                                 the ISO day of week, 1 = Monday .. 7 = Sunday
    (integer_divide: macros/engine_marts.sql)
    max_by_skip_nulls(value, order)                 the non-null value of the row with the largest order
    (ordered_sum: macros/engine_marts.sql; the same sum to the last bit whatever the row order)
    day_series(start_date, end_date, name)          a relation of the days start_date .. end_date - 1,
                                                    one column `name` of type date
-#}
{% macro regexp_replace_all(text, pattern, replacement) -%}{{ return(adapter.dispatch('regexp_replace_all')(text, pattern, replacement)) }}{%- endmacro %}
{% macro duckdb__regexp_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}
{% macro spark__regexp_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, {{ spark_string_literal(pattern) }}, {{ spark_string_literal(replacement) }})
{%- endmacro %}

{#- spark_string_literal(text): a Jinja string as a Spark SQL string literal (backslash and quote escaped) -#}
{% macro spark_string_literal(text) -%}
    '{{ text | replace('\\', '\\\\') | replace("'", "\\'") }}'
{%- endmacro %}

{% macro regexp_contains(text, pattern_expression) -%}{{ return(adapter.dispatch('regexp_contains')(text, pattern_expression)) }}{%- endmacro %}
{% macro duckdb__regexp_contains(text, pattern_expression) -%}regexp_matches({{ text }}, {{ pattern_expression }}){%- endmacro %}
{% macro spark__regexp_contains(text, pattern_expression) -%}regexp_like({{ text }}, {{ pattern_expression }}){%- endmacro %}

{% macro trim_characters(text, characters) -%}{{ return(adapter.dispatch('trim_characters')(text, characters)) }}{%- endmacro %}
{% macro duckdb__trim_characters(text, characters) -%}trim({{ text }}, '{{ characters }}'){%- endmacro %}
{#- Spark's two-argument trim takes the characters first: btrim is unambiguous -#}
{% macro spark__trim_characters(text, characters) -%}btrim({{ text }}, {{ spark_string_literal(characters) }}){%- endmacro %}

{% macro split_text(text, delimiter) -%}{{ return(adapter.dispatch('split_text')(text, delimiter)) }}{%- endmacro %}
{% macro duckdb__split_text(text, delimiter) -%}string_split({{ text }}, '{{ delimiter }}'){%- endmacro %}
{#- Spark's split takes a regular expression: the delimiter quoted (\Q..\E); trailing empty parts kept, as DuckDB -#}
{% macro spark__split_text(text, delimiter) -%}split({{ text }}, {{ spark_string_literal('\\Q' ~ delimiter ~ '\\E') }}, -1){%- endmacro %}

{% macro list_has_every(list, items) -%}{{ return(adapter.dispatch('list_has_every')(list, items)) }}{%- endmacro %}
{% macro duckdb__list_has_every(list, items) -%}list_has_all({{ list }}, {{ items }}){%- endmacro %}
{% macro spark__list_has_every(list, items) -%}size(array_except({{ items }}, {{ list }})) = 0{%- endmacro %}

{% macro text_list(values) -%}{{ return(adapter.dispatch('text_list')(values)) }}{%- endmacro %}
{% macro duckdb__text_list(values) -%}[{%- for value in values %}'{{ value }}'{{ ', ' if not loop.last }}{% endfor -%}]{%- endmacro %}
{% macro spark__text_list(values) -%}array({%- for value in values %}{{ spark_string_literal(value) }}{{ ', ' if not loop.last }}{% endfor -%}){%- endmacro %}

{% macro empty_list() -%}{{ return(adapter.dispatch('empty_list')()) }}{%- endmacro %}
{% macro duckdb__empty_list() -%}[]{%- endmacro %}
{% macro spark__empty_list() -%}array(){%- endmacro %}

{% macro sorted_list(expression) -%}{{ return(adapter.dispatch('sorted_list')(expression)) }}{%- endmacro %}
{% macro duckdb__sorted_list(expression) -%}list_sort(list({{ expression }})){%- endmacro %}
{#- DuckDB's list keeps nulls and list_sort puts them last; the callers aggregate non-null values -#}
{% macro spark__sorted_list(expression) -%}array_sort(collect_list({{ expression }})){%- endmacro %}

{% macro unnest_list(list) -%}{{ return(adapter.dispatch('unnest_list')(list)) }}{%- endmacro %}
{% macro duckdb__unnest_list(list) -%}unnest({{ list }}){%- endmacro %}
{% macro spark__unnest_list(list) -%}explode({{ list }}){%- endmacro %}

{% macro date_difference(unit, start, end) -%}{{ return(adapter.dispatch('date_difference')(unit, start, end)) }}{%- endmacro %}
{% macro duckdb__date_difference(unit, start, end) -%}date_diff('{{ unit }}', {{ start }}, {{ end }}){%- endmacro %}
{#- DuckDB counts whole-second (whole-day) boundaries: seconds since the epoch truncated, dates -#}
{% macro spark__date_difference(unit, start, end) -%}
    {%- if unit == 'second' -%}
        (unix_seconds({{ end }}) - unix_seconds({{ start }}))
    {%- elif unit == 'day' -%}
        datediff({{ end }}, {{ start }})
    {%- else -%}
        {{ exceptions.raise_compiler_error('date_difference: unit ' ~ unit ~ ' not implemented on Spark') }}
    {%- endif -%}
{%- endmacro %}

{% macro days_interval(days) -%}{{ return(adapter.dispatch('days_interval')(days)) }}{%- endmacro %}
{% macro duckdb__days_interval(days) -%}to_days({{ days }}){%- endmacro %}
{% macro spark__days_interval(days) -%}make_dt_interval({{ days }}){%- endmacro %}

{% macro iso_weekday(ts) -%}{{ return(adapter.dispatch('iso_weekday')(ts)) }}{%- endmacro %}
{% macro duckdb__iso_weekday(ts) -%}isodow({{ ts }}){%- endmacro %}
{#- Spark's weekday: 0 = Monday .. 6 = Sunday -#}
{% macro spark__iso_weekday(ts) -%}(weekday({{ ts }}) + 1){%- endmacro %}


{% macro max_by_skip_nulls(value, order) -%}{{ return(adapter.dispatch('max_by_skip_nulls')(value, order)) }}{%- endmacro %}
{% macro duckdb__max_by_skip_nulls(value, order) -%}arg_max({{ value }}, {{ order }}){%- endmacro %}
{#- Spark's max_by keeps a null value but skips a null order: a null value gets a null order -#}
{% macro spark__max_by_skip_nulls(value, order) -%}
    max_by({{ value }}, case when {{ value }} is not null then {{ order }} end)
{%- endmacro %}

{% macro day_series(start_date, end_date, name) -%}{{ return(adapter.dispatch('day_series')(start_date, end_date, name)) }}{%- endmacro %}
{% macro duckdb__day_series(start_date, end_date, name) -%}
    (select cast(day_series.day_start as date) as {{ name }}
    from range({{ start_date }}, {{ end_date }}, interval 1 day) as day_series (day_start))
{%- endmacro %}
{% macro spark__day_series(start_date, end_date, name) -%}
    (select explode(sequence({{ start_date }}, date_sub({{ end_date }}, 1), interval 1 day)) as {{ name }})
{%- endmacro %}


{#-
    spark_update_from(relation, keys, assignments, source_sql, flag): Spark's stand-in for DuckDB's
    `update relation set column = source.expression ... from (source_sql) as source where keys match`
    (a post-hook; Parquet tables have no UPDATE). When a row of `relation` has `flag` true, the table is
    rewritten through a staging table: every column as it was, the `assignments` (column -> expression
    over `source`) on the rows matched by `keys`. Runs its statements itself and returns no SQL (an
    empty hook); no rewrite when no row is flagged (the usual case).
-#}
{% macro spark_update_from(relation, keys, assignments, source_sql, flag) -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set flagged = run_query('select count(*) from ' ~ relation ~ ' where ' ~ flag).columns[0].values()[0] -%}
    {%- if flagged == 0 -%}{{ return('') }}{%- endif -%}
    {%- set staged = relation.incorporate(path={'identifier': relation.identifier ~ '__updated'}) -%}
    {%- set columns = adapter.get_columns_in_relation(relation) -%}
    {%- do run_query('drop table if exists ' ~ staged) -%}
    {%- set staging_sql -%}
        create table {{ staged }} using parquet as
        select
            {%- for column in columns %}
            {%- if column.name in assignments %}
            case when source.is_matched then {{ assignments[column.name] }} else target.{{ column.name }} end
                as {{ column.name }}{{ ',' if not loop.last }}
            {%- else %}
            target.{{ column.name }}{{ ',' if not loop.last }}
            {%- endif %}
            {%- endfor %}
        from {{ relation }} as target
        left join (select *, true as is_matched from ({{ source_sql }}) as matched) as source
            on
            {%- for key in keys %}
                target.{{ key }} = source.{{ key }}{{ ' and' if not loop.last }}
            {%- endfor %}
    {%- endset -%}
    {%- do run_query(staging_sql) -%}
    {%- do run_query('insert overwrite table ' ~ relation ~ ' select * from ' ~ staged) -%}
    {%- do run_query('drop table ' ~ staged) -%}
    {{ return('') }}
{%- endmacro %}


{#-
    json_type()                         the type of JSON text (DuckDB json; Spark string)
    json_text_field(json, key)          the value of a top-level key as text (DuckDB ->>)
    decimal_avg(expression, condition)  aggregate; the mean of a decimal as a double, over the rows
                                        where `condition` holds (none: every row), as DuckDB's avg of a
                                        decimal (Spark's avg of a decimal stays a rounded decimal)
-#}
{% macro json_type() -%}{{ return(adapter.dispatch('json_type')()) }}{%- endmacro %}
{% macro duckdb__json_type() -%}json{%- endmacro %}
{% macro spark__json_type() -%}string{%- endmacro %}

{% macro json_text_field(json, key) -%}{{ return(adapter.dispatch('json_text_field')(json, key)) }}{%- endmacro %}
{% macro duckdb__json_text_field(json, key) -%}{{ json }} ->> '{{ key }}'{%- endmacro %}
{% macro spark__json_text_field(json, key) -%}get_json_object({{ json }}, '$.{{ key }}'){%- endmacro %}

{% macro decimal_avg(expression, condition=none) -%}{{ return(adapter.dispatch('decimal_avg')(expression, condition)) }}{%- endmacro %}
{% macro duckdb__decimal_avg(expression, condition) -%}
    avg({{ expression }}){{ ' filter (where ' ~ condition ~ ')' if condition }}
{%- endmacro %}
{% macro spark__decimal_avg(expression, condition) -%}
    {%- set filter = ' filter (where ' ~ condition ~ ')' if condition else '' -%}
    cast(sum({{ expression }}){{ filter }} as double) / count({{ expression }}){{ filter }}
{%- endmacro %}
