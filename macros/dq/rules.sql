{#-
    Data-quality rule helpers used by the staging base models. Reason codes are documented in the
    seed `dq_rules` (seeds/dq/dq_rules.csv); a relationships test keeps every emitted code in it.

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
    {
        'reject_reason': '{{ reason_code }}',
        'reject_column': {{ "'" ~ column_name ~ "'" if column_name else 'cast(null as varchar)' }}
    }
{%- endmacro %}


{#-
    value_issues(checks): the list of {column_name, reason_code} whose condition holds, for values
    that were nulled while the row was kept. `checks` is a list of (condition_sql, column, reason).
-#}
{% macro value_issues(checks) -%}
    {%- if checks | length == 0 -%}
        cast([] as struct(column_name varchar, reason_code varchar)[])
    {%- else -%}
        list_filter(
            [
            {%- for condition, column_name, reason_code in checks %}
                case when {{ condition }} then {'column_name': '{{ column_name }}', 'reason_code': '{{ reason_code }}'} end
                {{- "," if not loop.last }}
            {%- endfor %}
            ],
            lambda issue: issue is not null
        )
    {%- endif -%}
{%- endmacro %}


{#- The build time, as a UTC timestamp literal: the reference for `future_timestamp`. -#}
{% macro build_time() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp)
{%- endmacro %}


{#-
    The last CTE of every base model: the row's reject reason and column, its value issues, and its
    raw values as JSON, kept only for rejected rows and rows with nulled values (for the quarantine).
-#}
{% macro quarantine_columns(reject='rejected', issues='value_issues', raw='raw_record') -%}
        {{ reject }}.reject_reason as reject_reason,
        {{ reject }}.reject_column as reject_column,
        {{ issues }} as value_issues,
        case when {{ reject }} is not null or len({{ issues }}) > 0 then to_json({{ raw }}) end as raw_values,
        _raw_file
{%- endmacro %}


{#-
    with_duplicate_key_rejection(first_rejection, key_columns, order_by): the row's rejection after the
    key rule: rows that passed the earlier rules and repeat a key of another such row are rejected as
    `duplicate_key`, except the first by `order_by` (newest first, then raw values: deterministic).
-#}
{% macro with_duplicate_key_rejection(first_rejection, key_columns, order_by) -%}
    coalesce(
        {{ first_rejection }},
        case
            when row_number() over (
                    partition by {{ key_columns | join(', ') }}, {{ first_rejection }} is null
                    order by {{ order_by }}
                ) > 1
                then {{ rejection('duplicate_key', key_columns | last) }}
        end
    )
{%- endmacro %}
