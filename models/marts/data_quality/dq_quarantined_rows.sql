-- every raw row a staging rule rejected, with its reason and raw values
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
    ),

{% endfor %}
unioned as (
    {%- for raw in raw_tables() %}
        select * from {{ raw.table }}_rejections
        {{- "\n    union all" if not loop.last }}
    {%- endfor %}
)

select * from unioned
