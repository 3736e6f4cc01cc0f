{#-
    The Spark dialect shim (issue 14): `sql_dialect(sql)` is the identity on DuckDB and, on Spark, rewrites
    a fixed list of pure spellings that have the same meaning on both engines (spark__sql_dialect below).
    It is applied where dbt-spark turns SQL into statements: tables and views (create_table_as,
    create_view_as), the contract check's empty-schema query (get_empty_subquery_sql), data tests
    (get_test_sql) and unit tests (get_unit_test_sql); each wrapper calls dbt-spark's / dbt's own macro. Everything that differs in meaning
    is a dispatch macro (macros/engine.sql); this only spares editing every model for syntax.
-#}

{% macro sql_dialect(sql) -%}
    {{ return(adapter.dispatch('sql_dialect')(sql)) }}
{%- endmacro %}

{% macro default__sql_dialect(sql) -%}
    {{ return(sql) }}
{%- endmacro %}

{#-
    The spellings rewritten on Spark (DuckDB spelling -> Spark spelling, same meaning):
      `<cte> as [not] materialized (`   -> `<cte> as (`        (a DuckDB planner hint only)
      `* exclude (a, b)`                -> `* except (a, b)`
      `quantile_cont(x, q)`             -> `percentile(x, q)` (both interpolate linearly)
      `varchar` (no length)             -> `string`           (Spark's varchar needs a length: casts,
                                                               contracts' data_type, seeds' column_types)
      `varchar[]`                       -> `array<string>`
      `['a', 'b']` (text literals only) -> `array('a', 'b')`  (a list literal; not after a name, `)` or
                                                               `]`, where brackets index)
-#}
{% macro spark__sql_dialect(sql) -%}
    {%- set sql = modules.re.sub('(?i)\\bas\\s+(not\\s+)?materialized\\s*\\(', 'as (', sql) -%}
    {%- set sql = modules.re.sub('(?i)\\*\\s*exclude\\s*\\(', '* except (', sql) -%}
    {%- set sql = modules.re.sub('(?i)\\bquantile_cont\\s*\\(', 'percentile(', sql) -%}
    {%- set sql = modules.re.sub('(?i)\\bvarchar\\s*\\[\\]', 'array<string>', sql) -%}
    {%- set sql = modules.re.sub(
        "(?<![\\w)\\]])\\[(\\s*'[^']*'(?:\\s*,\\s*'[^']*')*\\s*)\\]", 'array(\\1)', sql
    ) -%}
    {%- set sql = modules.re.sub('(?i)\\bvarchar\\b(?!\\s*\\()', 'string', sql) -%}
    {{ return(sql) }}
{%- endmacro %}

{% macro spark__create_table_as(temporary, relation, compiled_code, language='sql') -%}
    {%- set code = sql_dialect(compiled_code) if language == 'sql' else compiled_code -%}
    {{ return(dbt.spark__create_table_as(temporary, relation, code, language)) }}
{%- endmacro %}


{% macro spark__create_view_as(relation, sql) -%}
    {{ return(dbt.spark__create_view_as(relation, sql_dialect(sql))) }}
{%- endmacro %}


{% macro spark__get_empty_subquery_sql(select_sql, select_sql_header=none) -%}
    {{ return(dbt.default__get_empty_subquery_sql(sql_dialect(select_sql), select_sql_header)) }}
{%- endmacro %}


{% macro spark__get_test_sql(main_sql, fail_calc, warn_if, error_if, limit) -%}
    {{ return(dbt.default__get_test_sql(sql_dialect(main_sql), fail_calc, warn_if, error_if, limit)) }}
{%- endmacro %}


{#- unit tests: the model's SQL with its fixtures and the expected rows' SQL (fixture casts spell varchar) -#}
{% macro spark__get_unit_test_sql(main_sql, expected_fixture_sql, expected_column_names) -%}
    {{ return(dbt.default__get_unit_test_sql(
        sql_dialect(main_sql), sql_dialect(expected_fixture_sql), expected_column_names
    )) }}
{%- endmacro %}



{#-
    Seeds on Spark: dbt-spark loads seed rows with its own queries (not through the wrappers above), casting
    each value to the seed's `column_types`; their `varchar` is spelled `string` first, then dbt-spark's
    own macro creates the table (and its rows are loaded with the same types).
-#}
{% macro spark__create_csv_table(model, agate_table) -%}
    {%- set column_types = model['config'].get('column_types') or {} -%}
    {%- for name, type in column_types.items() -%}
        {%- do column_types.update({name: sql_dialect(type | string)}) -%}
    {%- endfor -%}
    {{ return(dbt.spark__create_csv_table(model, agate_table)) }}
{%- endmacro %}


{#-
    dbt-spark's seed loader as dbt-spark 1.11 writes it, with the values written as SQL literals instead
    of bindings: its session method puts a text binding between quotes without escaping (an apostrophe,
    `Côte d'Ivoire`, breaks the insert) and turns an empty cell into the text 'None'. Here an empty cell is
    null and text is escaped (Spark's string literal escapes: backslash).
-#}
{% macro spark__load_csv_rows(model, agate_table) -%}
    {%- set batch_size = get_batch_size() -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(batch_size) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for col_name in agate_table.column_names -%}
                    {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
                    {%- set type = column_override.get(col_name, inferred_type) -%}
                    {%- set value = row[loop.index0] -%}
                    {%- if value is none -%}
                        cast(null as {{ type }})
                    {%- else -%}
                        cast('{{ value | string | replace('\\', '\\\\') | replace("'", "\\'") }}' as {{ type }})
                    {%- endif -%}
                    {%- if not loop.last %},{% endif -%}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {%- endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.index0 == 0 -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{%- endmacro %}


{#-
    engine_session_setup(): the on-run-start hook (dbt_project.yml). On Spark, session SQL functions for
    DuckDB functions the YAML tests use that Spark lacks under that name: regexp_full_match(text, pattern)
    (the whole text matches). Nothing on DuckDB.
-#}
{% macro engine_session_setup() -%}
    {{ return(adapter.dispatch('engine_session_setup')()) }}
{%- endmacro %}

{% macro default__engine_session_setup() -%}
{%- endmacro %}

{% macro spark__engine_session_setup() -%}
    create or replace temporary function regexp_full_match(value string, pattern string)
    returns boolean
    return regexp_like(value, concat('^(?:', pattern, ')$'))
{%- endmacro %}


{#-
    Contracts on Spark: dbt-spark adds a contract's constraints with ALTER TABLE, which only Delta tables
    support; it does so whenever `file_format` is delta or unset. Here the tables are Parquet (no
    file_format), so constraints are added only where a model sets file_format delta. The not_null and
    unique data tests still check the same columns.
-#}
{% macro spark__persist_constraints(relation, model) -%}
    {%- if config.get('file_format') == 'delta' -%}
        {%- do dbt.spark__persist_constraints(relation, model) -%}
    {%- endif -%}
{%- endmacro %}


{#-
    Unit-test fixture values become Spark string literals (dbt's get_fixture_sql): dbt-spark escapes the
    quote but not the backslash, so a fixture pattern `\b(vp)\b` would read as a backspace. Both escaped.
-#}
{% macro spark__escape_single_quotes(expression) -%}
    {{ expression | replace('\\', '\\\\') | replace("'", "\\'") }}
{%- endmacro %}
