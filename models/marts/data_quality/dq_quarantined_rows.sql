-- every raw row a staging rule (or a cross-source rule of an intermediate model) rejected, with its
-- reason and raw values; a malformed CSV line carries its line number
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
        where reject_reason is not null
        {%- if raw.rechecked_by %}
        union all
        select
            '{{ raw.source }}' as source_name,
            '{{ raw.table }}' as table_name,
            reject_reason,
            reject_column,
            raw_values,
            _raw_file as raw_file
        from {{ ref(raw.rechecked_by) }}
        where reject_reason is not null
        {%- endif %}
    ),

{% endfor %}
unioned as (
    {%- for raw in raw_tables() %}
        select * from {{ raw.table }}_rejections
        {{- "\n    union all" if not loop.last }}
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
        when reject_reason = 'malformed_row' then cast(raw_values ->> 'line_number' as bigint)
    end as raw_line_number
from unioned
