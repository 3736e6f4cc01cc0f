-- raw rows = clean rows + quarantined rows, per source table, with the quarantine split by reason
with

{% for raw in raw_tables() %}
    {{ raw.table }}_raw as (
        select
            '{{ raw.source }}' as source_name,
            '{{ raw.table }}' as table_name,
            count(*) as raw_rows
        from {{ raw_table(raw.source, raw.table) }}
    ),

    {{ raw.table }}_clean as (
        select
            '{{ raw.table }}' as table_name,
            count(*) as clean_rows
        from {{ ref(raw.staging) }}
    ),

{% endfor %}
raw_counts as (
    {%- for raw in raw_tables() %}
        select * from {{ raw.table }}_raw
        {{- "\n    union all" if not loop.last }}
    {%- endfor %}
),

clean_counts as (
    {%- for raw in raw_tables() %}
        select * from {{ raw.table }}_clean
        {{- "\n    union all" if not loop.last }}
    {%- endfor %}
),

quarantined as (
    select * from {{ ref('dq_quarantined_rows') }}
),

quarantine_counts as (
    select
        table_name,
        reject_reason as outcome,
        count(*) as outcome_rows
    from quarantined
    group by table_name, reject_reason
),

table_totals as (
    select
        raw_counts.source_name,
        raw_counts.table_name,
        raw_counts.raw_rows,
        clean_counts.clean_rows,
        cast(coalesce(sum(quarantine_counts.outcome_rows), 0) as bigint) as quarantined_rows
    from raw_counts
    inner join clean_counts
        on raw_counts.table_name = clean_counts.table_name
    left join quarantine_counts
        on raw_counts.table_name = quarantine_counts.table_name
    group by all
),

outcomes as (
    select
        table_name,
        'clean' as outcome,
        clean_rows as outcome_rows
    from table_totals
    union all
    select * from quarantine_counts
)

select
    table_totals.source_name,
    table_totals.table_name,
    outcomes.outcome,
    outcomes.outcome_rows,
    table_totals.raw_rows,
    table_totals.clean_rows,
    table_totals.quarantined_rows,
    table_totals.raw_rows = table_totals.clean_rows + table_totals.quarantined_rows as is_reconciled
from table_totals
inner join outcomes
    on table_totals.table_name = outcomes.table_name
order by table_totals.source_name, table_totals.table_name, outcomes.outcome
