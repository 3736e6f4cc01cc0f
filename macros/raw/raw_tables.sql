{#-
    raw_tables(): every raw contract table with its models, the list the data-quality marts iterate
    over: {source, table, base, staging, rechecked_by}. Derived from the contract (the source YAML):

    * base model    base_<source>__<table without a leading '<source>_'>  (web_events -> base_web__events)
    * staging model stg_<source>__<same>
    * rechecked_by  the table's meta `rechecked_by` (an intermediate model that quarantines clean rows by a
                    cross-source rule), or none

    dbt resolves ref() while it parses, before the contract is readable (the graph is empty then), so
    `parse_time_tables` below declares the contract's tables for the dependency graph; at execution time
    the list comes from the contract, and a difference between the two fails with a message saying what
    to add. A new raw table is: its columns in the source YAML, its base and stg models, and its name
    here.
-#}
{% macro raw_tables() -%}
    {%- set parse_time_tables = [
        ('crm', 'consents', none),
        ('crm', 'customers', none),
        ('crm', 'erasure_requests', none),
        ('crm', 'leads', none),
        ('crm', 'survey_responses', none),
        ('crm', 'traits', none),
        ('email', 'email_events', 'int_email_events_checked'),
        ('firmographics', 'accounts', none),
        ('shop', 'order_items', none),
        ('shop', 'orders', none),
        ('web', 'web_events', none),
    ] -%}
    {%- if execute -%}
        {%- set declared = [] -%}
        {%- for source_name, table_name, rechecked_by in parse_time_tables -%}
            {%- do declared.append(source_name ~ '.' ~ table_name ~ ':' ~ rechecked_by) -%}
        {%- endfor -%}
        {%- set tables = [] -%}
        {%- set derived = [] -%}
        {%- for source_name, table_name in contract_source_tables() -%}
            {%- set rechecked_by = raw_contract_table(source_name, table_name).rechecked_by -%}
            {%- do tables.append((source_name, table_name, rechecked_by)) -%}
            {%- do derived.append(source_name ~ '.' ~ table_name ~ ':' ~ rechecked_by) -%}
        {%- endfor -%}
        {%- if derived | sort != declared | sort -%}
            {{ exceptions.raise_compiler_error(
                "raw_tables() (macros/raw/raw_tables.sql) declares " ~ (declared | sort | join(', '))
                ~ " but the raw contract (source YAML) has " ~ (derived | sort | join(', '))
                ~ "; make parse_time_tables list the contract's tables"
            ) }}
        {%- endif -%}
    {%- else -%}
        {%- set tables = parse_time_tables -%}
    {%- endif -%}
    {%- set result = [] -%}
    {%- for source_name, table_name, rechecked_by in tables -%}
        {%- set short_name = table_name[(source_name | length) + 1:] if table_name.startswith(source_name ~ '_')
            else table_name -%}
        {%- do result.append({
            'source': source_name,
            'table': table_name,
            'base': 'base_' ~ source_name ~ '__' ~ short_name,
            'staging': 'stg_' ~ source_name ~ '__' ~ short_name,
            'rechecked_by': rechecked_by,
        }) -%}
    {%- endfor -%}
    {{ return(result) }}
{%- endmacro %}


{#- The clean rows of a base model: what the staging model exposes. -#}
{% macro clean_rows(base_relation) -%}
    select * exclude (reject_reason, reject_column, value_issues, raw_values, _raw_file)
    from {{ base_relation }}
    where reject_reason is null
{%- endmacro %}
