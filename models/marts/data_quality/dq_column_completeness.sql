-- completeness KPI: per clean staging table and column, rows and the share of non-null values
-- (noqa LT02 below: compiled without a warehouse, e.g. by the linter, the column list is empty)
with

{% for raw in raw_tables() %}
    {%- set relation = ref(raw.staging) %}
    {%- set columns = adapter.get_columns_in_relation(relation) if execute else [] %}
    {{ raw.table }}_counts as (
        {{ unpivot_column_counts(relation, columns) }}
    ),

    {{ raw.table }}_completeness as (
        select
            '{{ raw.source }}' as source_name,
            '{{ raw.table }}' as table_name,
            column_name,
            row_count,
            non_null_rows
        from {{ raw.table }}_counts
    ),

{% endfor %}
unioned as (
    {%- for raw in raw_tables() %}
        select * from {{ raw.table }}_completeness
        {{- "\n    union all" if not loop.last }}
    {%- endfor %}
)

select
    source_name,
    table_name,
    column_name,
    row_count as rows_total,
    non_null_rows,
    case when row_count > 0 then non_null_rows / row_count end as non_null_share
from unioned
order by source_name, table_name, column_name
