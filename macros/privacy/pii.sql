{#-
    PII (issue 11; README "Privacy"): the contract's column meta `pii: true` marks a person's direct
    identifiers (email, phone, names, birth date, postal code, city; an erasure request's subject id and
    email). The DQ marts of schema `main` show raw values with those masked, so an analyst still sees why a
    row was rejected (reason, column, every other value, which identifiers were present); the unmasked
    values are in schema `restricted` (dq_quarantined_rows_unmasked, dq_nulled_values_unmasked).
-#}

{#- What a masked value reads as. -#}
{% macro pii_mask() -%}
    '<masked>'
{%- endmacro %}


{#- The pii columns of a contract table (names, contract order). -#}
{% macro pii_column_names(source_name, table_name) -%}
    {%- set names = [] -%}
    {%- for column in raw_contract(source_name, table_name) if column.pii -%}
        {%- do names.append(column.name) -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}


{#- A JSON value masked when present: `<masked>` for a non-null value, null stays null. -#}
{% macro masked_json_value(values, key) -%}
    case when ({{ values }} ->> '{{ key }}') is not null then to_json({{ pii_mask() }}) end
{%- endmacro %}


{#-
    masked_table_raw_values(values, source_name, table_name): the raw values (JSON, as quarantine_columns
    writes them) of one contract table with its pii values masked; a malformed line's text is masked whole
    (line number and reader error kept). Unchanged for a table without pii columns.
-#}
{% macro masked_table_raw_values(values, source_name, table_name) -%}
    {{ return(adapter.dispatch('masked_table_raw_values')(values, source_name, table_name)) }}
{%- endmacro %}

{#-
    Spark (issue 14): the JSON object read as a map of its values' text, the pii keys (and a malformed
    line's raw_text) masked when not null, written back; values keep their text (a number reads "3").
-#}
{% macro spark__masked_table_raw_values(values, source_name, table_name) -%}
    {%- set pii = pii_column_names(source_name, table_name) + ['raw_text'] -%}
    {%- if pii | length == 1 -%}
        {{ values }}
    {%- else -%}
        to_json(transform_values(
            from_json({{ values }}, 'map<string, string>'),
            (key, value) -> case
                when value is not null and key in ({% for name in pii %}'{{ name }}'{{ ', ' if not loop.last }}{% endfor %})
                    then {{ pii_mask() }}
                else value
            end
        ))
    {%- endif -%}
{%- endmacro %}

{% macro default__masked_table_raw_values(values, source_name, table_name) -%}
    {%- set pii = pii_column_names(source_name, table_name) -%}
    {%- if not pii -%}
        {{ values }}
    {%- else -%}
        case
            when {{ values }} is null then null
            when json_exists({{ values }}, '$.raw_text')
                then json_object(
                    'line_number', {{ values }} -> 'line_number',
                    'reject_errors', {{ values }} -> 'reject_errors',
                    'raw_text', {{ masked_json_value(values, 'raw_text') }}
                )
            else json_object(
                {%- for column in raw_contract(source_name, table_name) %}
                '{{ column.name }}', {{ masked_json_value(values, column.name) if column.pii
                    else values ~ " -> '" ~ column.name ~ "'" }}{{ ',' if not loop.last }}
                {%- endfor %}
            )
        end
    {%- endif -%}
{%- endmacro %}


{#- masked_raw_values(values, table_column): masked_table_raw_values for rows of every contract table. -#}
{% macro masked_raw_values(values, table_column) -%}
    {%- set masked_tables = [] -%}
    {%- for raw in raw_tables() if pii_column_names(raw.source, raw.table) -%}
        {%- do masked_tables.append(raw) -%}
    {%- endfor -%}
    {%- if masked_tables -%}
        case {{ table_column }}
            {%- for raw in masked_tables %}
            when '{{ raw.table }}' then {{ masked_table_raw_values(values, raw.source, raw.table) }}
            {%- endfor %}
            else {{ values }}
        end
    {%- else -%}
        {{ values }}
    {%- endif -%}
{%- endmacro %}
