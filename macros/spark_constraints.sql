{#-
    spark__persist_constraints(relation, model): contract constraints of a model on Spark (issue 14),
    overriding dbt-spark's. dbt-spark persists a `not_null` constraint with `alter table ... change
    column ... set not null`, which only Delta tables support (the warehouse's tables are Parquet: the
    statement fails). Here the table is written first and then checked: one query counts the nulls of
    every column with a `not_null` constraint, and a column with any fails the model with its name and
    count, the guarantee DuckDB's `not null` DDL gives. Other constraint types are not enforced on
    Spark (dbt-spark enforces only `check` on Delta; the project declares `not_null` only).
-#}
{% macro spark__persist_constraints(relation, model) %}
    {%- set contract_config = config.get('contract') -%}
    {%- if contract_config.enforced -%}
        {%- set columns = [] -%}
        {%- for column_name, column in model.columns.items() -%}
            {%- for constraint in column['constraints'] if constraint.type == 'not_null' -%}
                {%- do columns.append(column_name) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- if columns -%}
            {%- set nulls_query -%}
                select
                {%- for column_name in columns %}
                    count_if(`{{ column_name }}` is null) as `{{ column_name }}`{{ ',' if not loop.last }}
                {%- endfor %}
                from {{ relation }}
            {%- endset -%}
            {%- set counts = run_query(nulls_query).rows[0] -%}
            {%- set failed = [] -%}
            {%- for column_name in columns -%}
                {%- if counts[loop.index0] > 0 -%}
                    {%- do failed.append(column_name ~ ' (' ~ counts[loop.index0] ~ ' nulls)') -%}
                {%- endif -%}
            {%- endfor -%}
            {%- if failed -%}
                {{ exceptions.raise_compiler_error(
                    'not_null constraint violated in ' ~ relation ~ ': ' ~ failed | join(', ')
                ) }}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
