{#-
    Typing of raw values, driven by the contract (one place for every table):

    * text (a CSV value, or a parquet text column): trimmed; empty is null; a null token (var
      `raw_null_tokens`, compared trimmed and lowercased; a column's meta `keep_values` exempts values)
      is null, recorded as `null_token` for an optional column;
    * varchar   -> the text; codes (meta codes / open_codes) lowercased; meta `default` for an empty value;
                   an id (meta id) stored as a float or decimal (parquet from pandas: 101.0) reads as '101',
                   a non-integral one fails the build naming file and column
    * timestamp -> UTC timestamp; ISO 8601 text with or without an offset (no offset = UTC); a parquet
                   timestamp is taken as UTC, a timestamp with time zone converted
    * date, integer, decimal(p, s), boolean -> parsed (booleans take true/false, yes/no, 1/0)

    A value that does not parse fails the build in a REQUIRED column (naming table, file, column and
    value: the file is malformed, not one row); in an optional column it is nulled and recorded as
    `unparseable_value`. Optional timestamps later than the build time are nulled (`future_timestamp_value`),
    optional money and count columns above their outlier threshold too (`outlier_value`); the same
    checks on required columns are row rules (macros/dq/rules.sql, contract_row_rules).
-#}

{% macro is_integer_type(type) -%}
    {{ return(type in ['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT',
                       'UINTEGER', 'UBIGINT', 'UHUGEINT']) }}
{%- endmacro %}


{% macro is_float_type(type) -%}
    {{ return(type in ['FLOAT', 'DOUBLE', 'REAL']) }}
{%- endmacro %}


{#- The null tokens of one column, lowercased: var raw_null_tokens minus the column's keep_values. -#}
{% macro null_tokens(column) -%}
    {%- set kept = column.keep_values | map('lower') | list -%}
    {%- set tokens = [] -%}
    {%- for token in var('raw_null_tokens') if (token | string | trim | lower) not in kept
            and (token | string | trim) != '' -%}
        {%- do tokens.append(token | string | trim | lower) -%}
    {%- endfor -%}
    {{ return(tokens | unique | list) }}
{%- endmacro %}


{#- `expression` equals one of `values` (SQL literals): equalities, cheaper than IN for short lists here. -#}
{% macro is_one_of(expression, values) -%}
    ({% for value in values %}{{ expression }} = {{ sql_string(value) }}{{ ' or ' if not loop.last }}{% endfor %})
{%- endmacro %}


{#- A text value trimmed, with empty strings and null tokens as null (short values only are compared). -#}
{% macro clean_text(expression, column) -%}
    {%- set tokens = null_tokens(column) -%}
    {%- if tokens -%}
        case
            when {{ byte_length('trim(' ~ expression ~ ')') }} > {{ tokens | map('length') | max }} then trim({{ expression }})
            when {{ is_one_of('lower(trim(' ~ expression ~ '))', tokens) }} then null
            else nullif(trim({{ expression }}), '')
        end
    {%- else -%}
        nullif(trim({{ expression }}), '')
    {%- endif -%}
{%- endmacro %}


{#- The raw value as the parser sees it: cleaned text, a float without NaN, or the value itself. -#}
{% macro cleaned_value(expression, column, source_type) -%}
    {%- if source_type == 'VARCHAR' -%}
        {{ clean_text(expression, column) }}
    {%- elif is_float_type(source_type) -%}
        case when not isnan({{ expression }}) then {{ expression }} end
    {%- else -%}
        {{ expression }}
    {%- endif -%}
{%- endmacro %}


{#-
    parsed_value(source_name, table_name, column, value, source_type): the typed value of a cleaned raw
    value (`value`: cleaned_value of a raw value of DuckDB type `source_type`, as the file describes it).
-#}
{% macro parsed_value(source_name, table_name, column, value, source_type) -%}
    {%- set type = column.data_type -%}
    {%- set where = "'raw table " ~ source_name ~ "." ~ table_name ~ " (file ' || _raw_file || '), column "
        ~ column.name -%}
    {%- if type == 'varchar' and column.id and (is_float_type(source_type) or source_type.startswith('DECIMAL')) -%}
        {%- set parsed -%}
            case
                when {{ is_whole_number(value) }} then cast(cast({{ value }} as {{ whole_number_type() }}) as {{ text_type() }})
                when ({{ value }}) is not null then {{ fail_with(
                    where ~ ": the id ' || cast(" ~ value ~ " as " ~ text_type() ~ ")
                    || ' is not a whole number (an id stored as a number must be whole)'"
                ) }}
            end
        {%- endset -%}
    {%- elif type == 'varchar' -%}
        {%- set text = value if source_type == 'VARCHAR' else 'cast(' ~ value ~ ' as ' ~ text_type() ~ ')' -%}
        {%- set text = 'lower(' ~ text ~ ')' if column.codes or column.open_codes or column.lowercase else text -%}
        {%- set parsed = 'coalesce(' ~ text ~ ', ' ~ sql_string(column.default) ~ ')' if column.default is not none
            else text -%}
    {%- elif type == 'timestamp' and source_type == 'TIMESTAMP' -%}
        {%- set parsed = value -%}
    {%- elif type == 'timestamp' and source_type == 'TIMESTAMP WITH TIME ZONE' -%}
        {%- set parsed = utc_timestamp(value) -%}
    {%- elif type == 'timestamp' and source_type == 'DATE' -%}
        {%- set parsed = 'cast(' ~ value ~ ' as timestamp)' -%}
    {%- elif type == 'timestamp' -%}
        {%- set parsed = parse_utc_timestamp(value) -%}
    {%- elif type == 'date' and source_type.startswith('TIMESTAMP') -%}
        {%- set parsed = 'cast(' ~ value ~ ' as date)' -%}
    {%- elif (type == 'date' and source_type == 'DATE') or (type == 'boolean' and source_type == 'BOOLEAN') -%}
        {%- set parsed = value -%}
    {%- else -%}
        {%- set parsed = 'try_cast(' ~ value ~ ' as ' ~ column.data_type ~ ')' -%}
    {%- endif -%}
    {%- if column.required and type != 'varchar' and not (type == source_type | lower) -%}
        case
            when ({{ value }}) is not null and ({{ parsed }}) is null
                then {{ fail_with(
                    where ~ ": cannot parse ''' || cast(" ~ value ~ " as " ~ text_type() ~ ") || ''' as "
                    ~ column.data_type ~ "'"
                ) }}
            else {{ parsed }}
        end
    {%- else -%}
        {{ parsed }}
    {%- endif -%}
{%- endmacro %}


{#-
    The value_issues of cleaning and parsing one column, as (condition, column, reason): null_token (the
    raw text `raw` was a null token, not merely empty) and unparseable_value (`value` is the cleaned value).
-#}
{% macro parse_issue_checks(source_name, table_name, column, value, raw, source_type) -%}
    {%- set checks = [] -%}
    {%- if not column.required and source_type == 'VARCHAR' and null_tokens(column) -%}
        {%- do checks.append((
            value ~ ' is null and nullif(trim(' ~ raw ~ '), \'\') is not null', column.name, 'null_token'
        )) -%}
    {%- endif -%}
    {%- if not column.required and column.data_type != 'varchar' -%}
        {%- do checks.append((
            value ~ ' is not null and (' ~ parsed_value(source_name, table_name, column, value, source_type)
            ~ ') is null',
            column.name, 'unparseable_value'
        )) -%}
    {%- endif -%}
    {{ return(checks) }}
{%- endmacro %}


{#-
    The outlier threshold of a money or count column (meta outliers) as a scalar subquery: values whose
    absolute value is above it are outliers (null: no rule, see stg_raw__outlier_thresholds).
-#}
{% macro outlier_threshold(source_name, table_name, column_name) -%}
    (
        select thresholds.upper_threshold
        from {{ ref('stg_raw__outlier_thresholds') }} as thresholds
        where
            thresholds.source_name = '{{ source_name }}'
            and thresholds.table_name = '{{ table_name }}'
            and thresholds.column_name = '{{ column_name }}'
    )
{%- endmacro %}


{#- Value rules on optional columns after parsing: (condition, column, reason) for future and outlier values. -#}
{% macro screen_checks(source_name, table_name, column) -%}
    {%- set checks = [] -%}
    {%- if not column.required and column.data_type == 'timestamp' -%}
        {%- do checks.append((column.name ~ ' > ' ~ build_time(), column.name, 'future_timestamp_value')) -%}
    {%- endif -%}
    {%- if not column.required and column.outliers -%}
        {%- do checks.append((
            'abs(' ~ column.name ~ ') > ' ~ outlier_threshold(source_name, table_name, column.name),
            column.name, 'outlier_value'
        )) -%}
    {%- endif -%}
    {{ return(checks) }}
{%- endmacro %}


{#- The projection of a raw relation onto the contract: `<file column> as <contract column>,` lines. -#}
{% macro raw_columns_projection(columns, present) -%}
    {%- for column in columns %}
        {% if column.name in present -%}
            {{ adapter.quote(present[column.name].name) }} as {{ column.name }},
        {%- else -%}
            cast(null as {{ text_type() }}) as {{ column.name }},
        {%- endif -%}
    {%- endfor %}
{%- endmacro %}


{#-
    raw_column_values(source_name, table_name, column): a SELECT of one contract column's parsed values
    (`raw_value`) over every raw row of the table, with source_name, table_name and column_name (the
    outlier thresholds are fitted on it).
-#}
{% macro raw_column_values(source_name, table_name, column) -%}
    {%- set relation = raw_relation(source_name, table_name) if execute else {'reader': none, 'present': {}} -%}
    {%- set columns = raw_contract(source_name, table_name) -%}
    {%- set types = raw_source_types(columns, relation.present) -%}
    select
        '{{ source_name }}' as source_name,
        '{{ table_name }}' as table_name,
        '{{ column.name }}' as column_name,
        {{ parsed_value(
            source_name, table_name, column, cleaned_value(column.name, column, types.get(column.name, 'VARCHAR')),
            types.get(column.name, 'VARCHAR')
        ) }} as raw_value
    {%- if relation.reader %}
    from (
        select
            {{- raw_columns_projection(columns, relation.present) }}
            _raw_file
        from {{ relation.reader }}
    ) as raw_rows
    {%- else %}
    from (
        select
            cast(null as {{ text_type() }}) as {{ column.name }},
            cast(null as {{ text_type() }}) as _raw_file
    ) as no_file
    where false
    {%- endif %}
{%- endmacro %}


{#-
    raw_parsed_rows(source_name, table_name, column_names): a SELECT of some contract columns, cleaned and
    parsed as the base model types them, over every readable raw row of the table (none without a file).
    For reads outside the table's base model: the erasure view, a parent table's erased keys.
-#}
{% macro raw_parsed_rows(source_name, table_name, column_names) -%}
    {%- set relation = raw_relation(source_name, table_name) if execute else {'reader': none, 'present': {}} -%}
    {%- set columns = raw_contract(source_name, table_name) -%}
    {%- set types = raw_source_types(columns, relation.present) -%}
    {%- if relation.reader %}
    select
        {%- for column in columns if column.name in column_names %}
        {{ parsed_value(
            source_name, table_name, column, cleaned_value(column.name, column, types[column.name]),
            types[column.name]
        ) }} as {{ column.name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from (
        select
            {{- raw_columns_projection(columns, relation.present) }}
            _raw_file
        from {{ relation.reader }}
    ) as raw_rows
    {%- else %}
    select
        {%- for column in columns if column.name in column_names %}
        cast(null as {{ column.data_type }}) as {{ column.name }}{{ ',' if not loop.last }}
        {%- endfor %}
    where false
    {%- endif %}
{%- endmacro %}


{#-
    raw_rows_read(source_name, table_name): a SELECT of source_name, table_name and rows_read, the rows the
    reader returns from the table's files (0 without a file; malformed CSV lines are not among them).
-#}
{% macro raw_rows_read(source_name, table_name) -%}
    {%- set relation = raw_relation(source_name, table_name) if execute else {'reader': none} -%}
    select
        '{{ source_name }}' as source_name,
        '{{ table_name }}' as table_name,
        {%- if relation.reader %}
        count(*) as rows_read
    from {{ relation.reader }}
        {%- else %}
        cast(0 as bigint) as rows_read
        {%- endif %}
{%- endmacro %}


{#- The DuckDB type of each contract column in the file (VARCHAR when the file lacks it). -#}
{% macro raw_source_types(columns, present) -%}
    {%- set types = {} -%}
    {%- for column in columns -%}
        {%- do types.update({column.name: present[column.name].type if column.name in present else 'VARCHAR'}) -%}
    {%- endfor -%}
    {{ return(types) }}
{%- endmacro %}


{#-
    typed_raw_rows(source_name, table_name): the first CTEs of every base model (`with {{ typed_raw_rows(..) }},
    <the model's CTEs>`): raw_source .. raw_parsed, and `typed`, one row per raw row (and malformed line), with

    * every contract column, typed (see above), under its contract name;
    * value_issues: the nulled values of the generic value rules (null when none);
    * raw_record: the raw values as a struct (the quarantine's evidence); raw_line: for a CSV line the
      reader could not split into the header's fields, {line_number, reject_errors, raw_text} (its
      contract columns are null);
    * _raw_file, raw_copy_number (1 = first copy among exact copies of the raw values, by file name) and
      is_candidate: whether the row's key (or, without a key, its raw values) hashes like another row's;
    * is_malformed (the row is a malformed CSV line) and is_erased: the row belongs to a subject of a
      standing erasure request (macros/privacy/erasure.sql). An erased row keeps only its file name and
      flags: every contract column, raw_record, raw_line and value_issues are null, so nothing of it is
      stored; the row rule `erased` (contract_row_rules) counts it.

    with_malformed=false leaves the malformed CSV lines out (for a model without the rejects-scan pre-hook,
    e.g. the erasure view, which only needs the readable rows).

    Lean duplicate detection: one hash aggregate finds the repeated key hashes; only those rows are
    numbered (exact copies, by comparing the raw values) and later ranked (duplicate_key, macro
    deduplicated_rows); every other row streams through. Outputs do not depend on the read order: copies
    are numbered by file name among identical values, keys ranked by the contract's `latest_by` and then
    the raw values.
-#}
{#- The types of a malformed line's record and of the value issues (both engines). -#}
{% macro raw_line_type() -%}
    {{ struct_type([('line_number', 'bigint'), ('reject_errors', 'text'), ('raw_text', 'text')]) }}
{%- endmacro %}


{% macro value_issues_type() -%}
    {{ list_type(struct_type([('column_name', 'text'), ('reason_code', 'text')])) }}
{%- endmacro %}


{% macro typed_raw_rows(source_name, table_name, with_malformed=true) -%}
    {#- every base model depends on the thresholds, whether or not the contract gives it outlier columns -#}
    {%- do ref('stg_raw__outlier_thresholds') -%}
    {#- the contract table, for lineage and docs -#}
    {%- do source(source_name, table_name) -%}
    {#- every base model but the requests' own depends on the erased subjects (declared while parsing) -#}
    {%- if table_name != erasure_requests_table()[1] -%}
        {%- do ref('stg_crm__erased_subjects') -%}
    {%- endif -%}
    {%- set erasure = erasure_plan(source_name, table_name) -%}
    {%- set contract = raw_contract_table(source_name, table_name) -%}
    {%- set columns = contract.columns -%}
    {%- set relation = raw_relation(source_name, table_name) if execute else {'format': none, 'reader': none, 'present': {}} -%}
    {%- set types = raw_source_types(columns, relation.present) -%}
    {#- incremental (macros/raw/incremental.sql): the files not loaded yet, and the loaded rows of their keys -#}
    {%- set incremental = execute and is_incremental() -%}
    {%- if incremental and not contract.key -%}
        {{ exceptions.raise_compiler_error(
            'raw table ' ~ source_name ~ '.' ~ table_name ~ ': an incremental base model needs a contract key'
        ) }}
    {%- endif -%}
    {%- set load_files = raw_files_to_load(table_name, relation.files) if incremental else relation.files -%}
    {%- set by_name = {} -%}
    {%- for column in columns -%}
        {%- do by_name.update({column.name: column}) -%}
    {%- endfor -%}
    {%- set key_parts = [] -%}
    {%- for name in contract.key -%}
        {%- do key_parts.append(name if is_integer_type(types[name]) else parsed_value(
            source_name, table_name, by_name[name], cleaned_value(name, by_name[name], types[name]), types[name]
        )) -%}
    {%- endfor -%}
    {%- set raw_record = named_struct(columns | map(attribute='name') | list) -%}
    {%- set parse_checks = [] -%}
    {%- set screen = [] -%}
    {%- for column in columns -%}
        {%- do parse_checks.extend(parse_issue_checks(
            source_name, table_name, column, column.name, 'raw_record.' ~ column.name, types[column.name]
        )) -%}
        {%- do screen.extend(screen_checks(source_name, table_name, column)) -%}

{%- endfor %}
raw_source as not materialized (
    select
        {{- raw_columns_projection(columns, relation.present) }}
        _raw_file
    {%- if relation.reader %}
    from {{ relation.reader }}
    {%- else %}
    from (select cast(null as {{ text_type() }}) as _raw_file) as no_file
    where false
    {%- endif %}
),

raw_hashed as not materialized (
    select
        *,
        {{ raw_record }} as raw_record,
        {{ row_hash(key_parts | join(', ') if key_parts else raw_record) }} as key_hash
    from raw_source
),

raw_keyed as not materialized (
    select * from raw_hashed
    {%- if incremental %}
    {#- the new files, and the rows of the loaded files that share a key with a new row (same hash) -#}
    {%- if load_files %}
    where
        _raw_file in ({% for file in load_files %}{{ sql_string(file) }}{{ ', ' if not loop.last }}{% endfor %})
        or (
            {% for part in key_parts %}({{ part }}) is not null and {% endfor %}key_hash in (
                select new_rows.key_hash from raw_hashed as new_rows
                where new_rows._raw_file in (
                    {%- for file in load_files %}{{ sql_string(file) }}{{ ', ' if not loop.last }}{% endfor -%}
                )
            )
        )
    {%- else %}
    where false
    {%- endif %}
    {%- endif %}
),

raw_repeated_keys as materialized (
    select key_hash
    from raw_keyed
    group by key_hash
    having count(*) > 1
),

raw_numbered as not materialized (
    select
        *,
        1 as raw_copy_number,
        false as is_candidate
    from raw_keyed
    where key_hash not in (select raw_repeated_keys.key_hash from raw_repeated_keys)
    union all
    select
        *,
        row_number() over (partition by raw_record order by _raw_file) as raw_copy_number,
        true as is_candidate
    from raw_keyed
    where key_hash in (select raw_repeated_keys.key_hash from raw_repeated_keys)
),

raw_cleaned as not materialized (
    select
        {%- for column in columns %}
        {{ cleaned_value(column.name, column, types[column.name]) }} as {{ column.name }},
        {%- endfor %}
        raw_record,
        _raw_file,
        raw_copy_number,
        is_candidate
    from raw_numbered
),

raw_parsed as not materialized (
    select
        {%- for column in columns %}
        {{ parsed_value(source_name, table_name, column, column.name, types[column.name]) }} as {{ column.name }},
        {%- endfor %}
        {{ value_issues(parse_checks) }} as parse_issues,
        raw_record,
        _raw_file,
        raw_copy_number,
        is_candidate
    from raw_cleaned
),

raw_malformed as (
    {%- if relation.format == 'csv' and with_malformed and load_files %}
    {{ raw_malformed_lines(table_name) }}
    {%- else %}
    select
        cast(null as {{ text_type() }}) as raw_file,
        cast(null as bigint) as line_number,
        cast(null as {{ text_type() }}) as reject_errors,
        cast(null as {{ text_type() }}) as raw_text
    where false
    {%- endif %}
),

{%- if erasure %}

{{ erasure_ctes(source_name, table_name) }},
{%- endif %}

raw_screened as not materialized (
    select
        {%- for column in columns %}
        {%- set checks = screen_checks(source_name, table_name, column) %}
        {%- if checks %}
        case
            when {% for condition, _, _ in checks %}{{ condition }}{{ ' or ' if not loop.last }}{% endfor %}
                then null
            else {{ column.name }}
        end as {{ column.name }},
        {%- else %}
        {{ column.name }},
        {%- endif %}
        {%- endfor %}
        {{ combined_issues('parse_issues', value_issues(screen)) }} as value_issues,
        raw_record,
        cast(null as {{ raw_line_type() }}) as raw_line,
        _raw_file,
        raw_copy_number,
        is_candidate,
        false as is_malformed,
        {{ erasure_row_condition(source_name, table_name) if erasure else 'false' }} as is_erased
    from raw_parsed
    union all
    select
        {%- for column in columns %}
        {{ cast('null', column.data_type) }} as {{ column.name }},
        {%- endfor %}
        cast(null as {{ value_issues_type() }}) as value_issues,
        null as raw_record,
        {{ struct_literal([
            ('line_number', 'line_number'), ('reject_errors', 'reject_errors'), ('raw_text', 'raw_text')
        ]) }} as raw_line,
        raw_file as _raw_file,
        1 as raw_copy_number,
        false as is_candidate,
        true as is_malformed,
        {{ erasure_line_condition('raw_text') if erasure else 'false' }} as is_erased
    from raw_malformed
),

typed as not materialized (
    {%- if erasure %}
    -- an erased row keeps its file name and flags only
    select
        {%- for column in columns %}
        case when not is_erased then {{ column.name }} end as {{ column.name }},
        {%- endfor %}
        case when not is_erased then value_issues end as value_issues,
        case when not is_erased then raw_record end as raw_record,
        case when not is_erased then raw_line end as raw_line,
        _raw_file,
        raw_copy_number,
        is_candidate,
        is_malformed,
        is_erased
    from raw_screened
    {%- else %}
    select * from raw_screened
    {%- endif %}
)
{%- endmacro %}
