{#-
    Typing of raw values, driven by the contract's data_type (one place for every table):

    * varchar   -> trimmed, empty string as null
    * timestamp -> UTC timestamp; ISO 8601 text, with or without an offset (no offset = UTC)
    * date, integer, decimal(p, s), boolean -> try_cast (booleans take true/false, yes/no, 1/0)

    An unparseable value in a REQUIRED column fails the build with an error naming the table, the
    file and the column (the file is malformed, not one row). In an optional column it becomes null
    and the base model records it as `unparseable_value` in `value_issues`.
-#}
{% macro cast_raw(column, data_type) -%}
    {%- set type = data_type | lower -%}
    {%- if type == 'varchar' -%}
        nullif(trim(cast({{ column }} as varchar)), '')
    {%- elif type == 'timestamp' -%}
        timezone('UTC', try_cast({{ column }} as timestamptz))
    {%- elif type == 'boolean' -%}
        try_cast(trim(cast({{ column }} as varchar)) as boolean)
    {%- else -%}
        try_cast({{ column }} as {{ data_type }})
    {%- endif -%}
{%- endmacro %}


{% macro typed_column(source_name, table_name, column) -%}
    {%- set typed = cast_raw(column.name, column.data_type) -%}
    {%- if column.required and (column.data_type | lower) != 'varchar' -%}
        case
            when {{ column.name }} is not null and {{ typed }} is null
                then error(
                    'raw table {{ source_name }}.{{ table_name }} (file ' || _raw_file
                    || '), column {{ column.name }}: cannot parse '''
                    || cast({{ column.name }} as varchar) || ''' as {{ column.data_type }}'
                )
            else {{ typed }}
        end
    {%- else -%}
        {{ typed }}
    {%- endif -%}
{%- endmacro %}


{#- Every contract column of the table, typed, as `<expr> as <name>,` lines. -#}
{% macro typed_columns(source_name, table_name) -%}
    {%- for column in raw_contract(source_name, table_name) %}
        {{ typed_column(source_name, table_name, column) }} as {{ column.name }},
    {%- endfor %}
{%- endmacro %}


{#- value_issues entries for optional columns that held a value that did not parse. -#}
{% macro unparseable_value_checks(source_name, table_name, typed_relation='typed', raw_relation='raw_record') -%}
    {%- set checks = [] -%}
    {%- for column in raw_contract(source_name, table_name) -%}
        {%- if not column.required and (column.data_type | lower) != 'varchar' -%}
            {%- do checks.append((
                raw_relation ~ '.' ~ column.name ~ ' is not null and ' ~ typed_relation ~ '.' ~ column.name
                ~ ' is null', column.name, 'unparseable_value'
            )) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(checks) }}
{%- endmacro %}


{#- Reject rules for every required column: (condition, reason_code, column). -#}
{% macro missing_required_checks(source_name, table_name, typed_relation='typed') -%}
    {%- set checks = [] -%}
    {%- for column in raw_contract(source_name, table_name) if column.required -%}
        {%- do checks.append((
            typed_relation ~ '.' ~ column.name ~ ' is null', 'missing_required_value', column.name
        )) -%}
    {%- endfor -%}
    {{ return(checks) }}
{%- endmacro %}


{#-
    typed_raw_rows(source_name, table_name): the first step of every base model: the raw file's rows
    with every contract column typed, the file path, the raw row kept as a struct (for the
    quarantine's raw values) and its copy number among exact duplicates (1 = first copy).
-#}
{% macro typed_raw_rows(source_name, table_name) -%}
    select
        {{ typed_columns(source_name, table_name) }}
        source._raw_file,
        source as raw_record,
        row_number() over (partition by source) as raw_copy_number
    from {{ raw_table(source_name, table_name) }} as source
{%- endmacro %}
