{#-
    The raw data contract, read from the source YAML (models/staging/*/_*__sources.yml): a list of
    {name, data_type, required} for one raw table, in contract order. Only meaningful at execution
    time (the graph is empty while dbt parses); returns [] then.
-#}
{% macro raw_contract(source_name, table_name) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set node = graph.sources.get('source.' ~ project_name ~ '.' ~ source_name ~ '.' ~ table_name) -%}
    {%- if node is none -%}
        {{ exceptions.raise_compiler_error("raw contract: no source table " ~ source_name ~ "." ~ table_name) }}
    {%- endif -%}
    {%- set columns = [] -%}
    {%- for name, column in node.columns.items() -%}
        {%- set meta = column.get('config', {}).get('meta', {}) or column.get('meta', {}) -%}
        {%- do columns.append({
            'name': name,
            'data_type': column.data_type,
            'required': meta.get('required', false),
        }) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}


{#- The one raw file of a table: '<raw_data_dir>/<table>.csv' or '.parquet', or none. -#}
{% macro raw_file(table_name) -%}
    {%- set raw_dir = var('raw_data_dir') | replace("'", "''") -%}
    {%- set sql -%}
        select file from glob('{{ raw_dir }}/{{ table_name }}.csv')
        union all
        select file from glob('{{ raw_dir }}/{{ table_name }}.parquet')
        order by file
    {%- endset -%}
    {%- set files = run_query(sql).columns[0].values() -%}
    {%- if files | length > 1 -%}
        {{ exceptions.raise_compiler_error(
            "raw table '" ~ table_name ~ "': both " ~ (files | join(' and ')) ~ " exist; keep one of them"
        ) }}
    {%- endif -%}
    {{ return(files[0] if files else none) }}
{%- endmacro %}
