-- every value a staging rule nulled while keeping its row (value-level rules of dq_rules), with the
-- row's raw values unmasked (schema restricted; main.dq_nulled_values masks the pii values)
{{ config(schema='restricted') }}

with

{% for raw in raw_tables() %}
    {{ raw.table }}_issues as (
        select
            '{{ raw.source }}' as source_name,
            '{{ raw.table }}' as table_name,
            {{ unnest_list('value_issues') }} as issue,
            reject_reason is not null as is_row_quarantined,
            raw_values,
            _raw_file as raw_file
        from {{ ref(raw.base) }}
        where value_issues is not null
    ),

{% endfor %}
unioned as (
    {%- for raw in raw_tables() %}
        select * from {{ raw.table }}_issues
        {{- "\n    union all" if not loop.last }}
    {%- endfor %}
)

select
    source_name,
    table_name,
    issue.column_name,
    issue.reason_code,
    is_row_quarantined,
    raw_values,
    raw_file
from unioned
