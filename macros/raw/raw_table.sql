{#-
    raw_table(source_name, table_name): a subquery over the raw file of one contract table.

    * every contract column, under its contract name, untyped (text for CSV, the file's own type
      for Parquet), plus `_raw_file`, the path it came from;
    * file column names match the contract case-insensitively; extra file columns are ignored;
    * a missing file reads as an empty table with the contract's columns (every table is optional);
    * a present file without a required column fails the build, naming table, file and column.

    It also calls source() so the table shows in lineage and docs.
-#}
{% macro raw_table(source_name, table_name) -%}
    {%- do source(source_name, table_name) -%}
    {%- if not execute -%}
        (select null as _raw_file)
    {%- else -%}
        {%- set columns = raw_contract(source_name, table_name) -%}
        {%- set file = raw_file(table_name) -%}
        {%- if file is none -%}
            (
                select
                {%- for column in columns %}
                    cast(null as varchar) as {{ column.name }},
                {%- endfor %}
                    cast(null as varchar) as _raw_file
                where false
            )
        {%- else -%}
            {%- set quoted_file = file | replace("'", "''") -%}
            {%- if file.endswith('.parquet') -%}
                {%- set reader = "read_parquet('" ~ quoted_file ~ "')" -%}
            {%- else -%}
                {%- set reader = "read_csv('" ~ quoted_file ~ "', header = true, all_varchar = true)" -%}
            {%- endif -%}
            {%- set present = {} -%}
            {%- for row in run_query('describe select * from ' ~ reader) -%}
                {%- do present.update({row[0] | trim | lower: row[0]}) -%}
            {%- endfor -%}
            (
                select
                {%- for column in columns %}
                    {%- if column.name in present %}
                    "{{ present[column.name] }}" as {{ column.name }},
                    {%- elif column.required %}
                    {{ exceptions.raise_compiler_error(
                        "raw table " ~ source_name ~ "." ~ table_name ~ " (file " ~ file ~ ") is missing the "
                        ~ "required column '" ~ column.name ~ "'; the contract is in the source YAML of '"
                        ~ source_name ~ "' (models/staging/" ~ source_name ~ "/)"
                    ) }}
                    {%- else %}
                    cast(null as varchar) as {{ column.name }},
                    {%- endif %}
                {%- endfor %}
                    '{{ quoted_file }}' as _raw_file
                from {{ reader }}
            )
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
