{#-
    dbt's `statement` (the one place every query goes through: models, tests, contracts, run_query),
    as dbt-core 1.11 defines it, with one addition (issue 14): the compiled SQL passes through
    `sql_dialect`, which is the identity on DuckDB and, on Spark, rewrites a fixed list of pure spellings
    that have the same meaning on both engines (macro spark__sql_dialect). Everything that differs in
    meaning is a dispatch macro (macros/engine.sql); this only spares editing every model for syntax.
-#}
{%- macro statement(name=None, fetch_result=False, auto_begin=True, language='sql') -%}
  {%- if execute: -%}
    {%- set compiled_code = caller() -%}
    {%- if language == 'sql' -%}
      {%- set compiled_code = sql_dialect(compiled_code) -%}
    {%- endif -%}

    {%- if name == 'main' -%}
      {{ log('Writing runtime {} for node "{}"'.format(language, model['unique_id'])) }}
      {{ write(compiled_code) }}
    {%- endif -%}
    {%- if language == 'sql'-%}
      {%- set res, table = adapter.execute(compiled_code, auto_begin=auto_begin, fetch=fetch_result) -%}
    {%- elif language == 'python' -%}
      {%- set res = submit_python_job(model, compiled_code) -%}
      {%- set table = None -%}
    {%- else -%}
      {% do exceptions.raise_compiler_error("statement macro didn't get supported language") %}
    {%- endif -%}

    {%- if name is not none -%}
      {{ store_result(name, response=res, agate_table=table) }}
    {%- endif -%}

  {%- endif -%}
{%- endmacro %}


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
-#}
{% macro spark__sql_dialect(sql) -%}
    {%- set sql = modules.re.sub('(?i)\\bas\\s+(not\\s+)?materialized\\s*\\(', 'as (', sql) -%}
    {%- set sql = modules.re.sub('(?i)\\*\\s*exclude\\s*\\(', '* except (', sql) -%}
    {%- set sql = modules.re.sub('(?i)\\bquantile_cont\\s*\\(', 'percentile(', sql) -%}
    {%- set sql = modules.re.sub('(?i)\\bvarchar\\b(?!\\s*\\()', 'string', sql) -%}
    {{ return(sql) }}
{%- endmacro %}


{#-
    Seeds on Spark: dbt-spark loads seed rows with its own queries (not through `statement`), casting
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
