-- every raw row a staging rule (or a cross-source rule of an intermediate model) rejected, with its
-- reason and raw values, unmasked (schema restricted; main.dq_quarantined_rows masks the pii values); a
-- malformed CSV line carries its line number. Erased rows are no quarantine: they are counted in
-- dq_source_reconciliation only.
{{ config(schema='restricted') }}

with

{% for raw in raw_tables() %}
    {{ raw.table }}_rejections as (
        select
            '{{ raw.source }}' as source_name,
            '{{ raw.table }}' as table_name,
            reject_reason,
            reject_column,
            raw_values,
            _raw_file as raw_file
        from {{ ref(raw.base) }}
        where reject_reason is not null and reject_reason != 'erased'
    ),

{% endfor %}
-- rows a cross-source rule of an intermediate model quarantined later (contract meta rechecked_by)
rechecks as (
    {%- for raw in raw_tables() if raw.rechecked_by %}
        select
            '{{ raw.source }}' as source_name,
            '{{ raw.table }}' as table_name,
            reject_reason,
            reject_column,
            raw_values,
            _raw_file as raw_file
        from {{ ref(raw.rechecked_by) }}
        where reject_reason is not null
        {{- "\n    union all" if not loop.last }}
    {%- else %}
        select
            cast(null as varchar) as source_name,
            cast(null as varchar) as table_name,
            cast(null as varchar) as reject_reason,
            cast(null as varchar) as reject_column,
            cast(null as {{ json_type() }}) as raw_values,
            cast(null as varchar) as raw_file
        where false
    {%- endfor %}
),

unioned as (
    select * from rechecks
    {%- for raw in raw_tables() %}
        union all
        select * from {{ raw.table }}_rejections
    {%- endfor %}
)

select
    source_name,
    table_name,
    reject_reason,
    reject_column,
    raw_values,
    raw_file,
    case
        when reject_reason = 'malformed_row' then cast({{ json_text_field('raw_values', 'line_number') }} as bigint)
    end as raw_line_number
from unioned
