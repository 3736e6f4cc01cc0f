{#-
    Data-quality rule helpers used by the staging base models. Reason codes are documented in the
    seed `dq_rules` (seeds/dq/dq_rules.csv, with their precedence); a relationships test keeps every
    emitted code in it.

    first_matching_rule(rules): the first rule (in list order) whose condition holds, as a struct
    {reject_reason, reject_column}, or null for a clean row. `rules` is a list of
    (condition_sql, reason_code, column_name or none); list order is the precedence.
-#}
{% macro first_matching_rule(rules) -%}
    case
    {%- for condition, reason_code, column_name in rules %}
        when {{ condition }} then {{ rejection(reason_code, column_name) }}
    {%- endfor %}
    end
{%- endmacro %}


{#- A rejection: the struct {reject_reason, reject_column} a base model carries for a quarantined row. -#}
{% macro rejection(reason_code, column_name=none) -%}
    {{ struct_literal([
        ('reject_reason', "'" ~ reason_code ~ "'"),
        ('reject_column', "'" ~ column_name ~ "'" if column_name else 'cast(null as ' ~ text_type() ~ ')'),
    ]) }}
{%- endmacro %}


{#-
    contract_row_rules(source_name, table_name, model_rules=[]): the row rules of a base model, in the
    precedence of the dq_rules seed, derived from the contract except `model_rules` (the table's own
    rules, precedence 5 to 7, e.g. orphan_foreign_key, negative_amount), which go in between:
      erased (before every rule: the row belongs to a subject of a standing erasure request, see
      typed_raw_rows; reject_column `raw_line` for a malformed CSV line, so the reconciliation still counts
      it among the raw lines), malformed_row (a CSV line not split into the header's fields), missing_required_value (each
      required column), duplicate_row (an exact copy of the raw values, all but the first copy),
      unknown_code (each column with meta codes), <model_rules>, future_timestamp (each required
      timestamp later than the build time), outlier_amount (each required column with meta outliers).
    Conditions name the contract columns of the relation they are applied to.
-#}
{% macro contract_row_rules(source_name, table_name, model_rules=[]) -%}
    {%- set columns = raw_contract(source_name, table_name) -%}
    {%- set rules = [
        ('is_erased and is_malformed', 'erased', 'raw_line'),
        ('is_erased', 'erased', none),
        ('raw_line is not null', 'malformed_row', none),
    ] -%}
    {%- for column in columns if column.required -%}
        {%- do rules.append((column.name ~ ' is null', 'missing_required_value', column.name)) -%}
    {%- endfor -%}
    {%- do rules.append(duplicate_row_rule()) -%}
    {%- for column in columns if column.codes -%}
        {%- do rules.append((
            'not ' ~ is_one_of(column.name, column.codes | map('lower') | list), 'unknown_code', column.name
        )) -%}
    {%- endfor -%}
    {%- do rules.extend(model_rules) -%}
    {%- for column in columns if column.required and column.data_type == 'timestamp' -%}
        {%- do rules.append((column.name ~ ' > ' ~ build_time(), 'future_timestamp', column.name)) -%}
    {%- endfor -%}
    {%- for column in columns if column.required and column.outliers -%}
        {%- do rules.append((
            'abs(' ~ column.name ~ ') > ' ~ outlier_threshold(source_name, table_name, column.name),
            'outlier_amount', column.name
        )) -%}
    {%- endfor -%}
    {{ return(rules) }}
{%- endmacro %}


{#- The duplicate_row rule: every copy of the raw values but the first (typed_raw_rows numbers them). -#}
{% macro duplicate_row_rule() -%}
    {{ return(('raw_copy_number > 1', 'duplicate_row', none)) }}
{%- endmacro %}


{#-
    deduplicated_rows(source_name, table_name, relation): the rows of `relation` (which carries
    `first_rejection`, `is_candidate` and `raw_record`) with `rejected`: the first rejection, or for rows
    that passed every earlier rule and share the contract key (meta key) with another such row,
    `duplicate_key` for all but the first by (meta latest_by desc, raw values). Rows with a null key
    column are never key duplicates. Only candidate rows (typed_raw_rows: their key hash repeats) are
    ranked; the others stream through. A SELECT statement.
-#}
{% macro deduplicated_rows(source_name, table_name, relation='checked') -%}
    {%- set contract = raw_contract_table(source_name, table_name) -%}
    {%- set key = contract.key -%}
    {%- set order_by = ([contract.latest_by ~ ' desc nulls last'] if contract.latest_by else []) + ['raw_record'] -%}
    select
        *,
        first_rejection as rejected
    from {{ relation }}
    where not is_candidate
    union all
    select
        *,
        {%- if key %}
        coalesce(
            first_rejection,
            case
                when
                    {% for column in key %}{{ column }} is not null and {% endfor %}row_number() over (
                        partition by {{ key | join(', ') }}, first_rejection is null
                        order by {{ order_by | join(', ') }}
                    ) > 1
                    then {{ rejection('duplicate_key', key | last) }}
            end
        ) as rejected
        {%- else %}
        first_rejection as rejected
        {%- endif %}
    from {{ relation }}
    where is_candidate
{%- endmacro %}


{#-
    value_issues(checks): the list of {column_name, reason_code} whose condition holds, for values that
    were nulled while the row was kept; null when none holds. `checks` is a list of
    (condition_sql, column, reason).
-#}
{% macro value_issues(checks) -%}
    {%- if checks | length == 0 -%}
        cast(null as {{ value_issues_type() }})
    {%- else -%}
        {%- set issues = [] -%}
        {%- for condition, column_name, reason_code in checks -%}
            {%- do issues.append(
                'case when ' ~ condition ~ ' then '
                ~ struct_literal([('column_name', "'" ~ column_name ~ "'"), ('reason_code', "'" ~ reason_code ~ "'")])
                ~ ' end'
            ) -%}
        {%- endfor -%}
        case
            when {% for condition, _, _ in checks %}({{ condition }}){{ ' or ' if not loop.last }}{% endfor %}
                then {{ non_null_list(issues, 'issue') }}
        end
    {%- endif -%}
{%- endmacro %}


{#- Two value_issues lists as one (null when both are null). -#}
{% macro combined_issues(first, second) -%}
    {%- if 'cast(null as' in second -%}
        {{ first }}
    {%- else -%}
        case when ({{ second }}) is null then {{ first }} else {{ list_concat_of(first, second) }} end
    {%- endif -%}
{%- endmacro %}


{#- The build time, as a UTC timestamp literal: the reference for `future_timestamp`. -#}
{% macro build_time() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp)
{%- endmacro %}


{#-
    The last columns of every base model: the row's reject reason and column, its value issues, and its
    raw values as JSON (the raw line for a malformed CSV line), kept only for rejected rows and rows with
    nulled values (for the quarantine).
-#}
{% macro quarantine_columns(reject='rejected', issues='value_issues') -%}
        {{ reject }}.reject_reason as reject_reason,
        {{ reject }}.reject_column as reject_column,
        {{ issues }} as value_issues,
        case
            when {{ reject }} is not null or {{ issues }} is not null
                then coalesce(to_json(raw_line), to_json(raw_record))
        end as raw_values,
        _raw_file
{%- endmacro %}


{#-
    unpivot_column_counts(relation, columns): one row per column of `relation` (columns: dbt Column
    objects) with column_name, non_null_rows (count of its non-null values) and row_count (count(*)),
    from one scan: DuckDB's unpivot, Spark's stack generator.
-#}
{% macro unpivot_column_counts(relation, columns) -%}
    {{ return(adapter.dispatch('unpivot_column_counts')(relation, columns)) }}
{%- endmacro %}

{#- one row: the non-null count of each column (named as the column) and row_count -#}
{% macro column_counts(relation, columns) -%}
    select  -- noqa: LT02
        {%- for column in columns %}
            count({{ adapter.quote(column.name) }}) as {{ adapter.quote(column.name) }},
        {%- endfor %}
        count(*) as row_count
    from {{ relation }}
{%- endmacro %}

{% macro duckdb__unpivot_column_counts(relation, columns) -%}
    unpivot (
            {{ column_counts(relation, columns) }}
        )
        on columns(* exclude (row_count))
        into name column_name value non_null_rows
{%- endmacro %}

{% macro spark__unpivot_column_counts(relation, columns) -%}
    select
            stack({{ columns | length }}
                {%- for column in columns %}, '{{ column.name }}', {{ adapter.quote(column.name) }}{% endfor -%}
            ) as (column_name, non_null_rows),
            row_count
        from (
            {{ column_counts(relation, columns) }}
        )
{%- endmacro %}
