-- raw rows = clean rows + quarantined rows + erased rows, per source table, with the quarantine split by
-- reason. raw rows: the rows the CSV or parquet reader returns (counted here, independently of the base
-- model) plus the CSV lines it could not read (malformed_row, or erased); clean rows: the stg model's,
-- less the rows an intermediate model quarantines by a cross-source rule; erased rows: the rows of
-- subjects of standing erasure requests (macros/privacy/erasure.sql), neither clean nor quarantined.
with

{% for raw in raw_tables() %}
    {{ raw.table }}_read as (
        {{ raw_rows_read(raw.source, raw.table) }}
    ),

    {{ raw.table }}_malformed as (
        select
            '{{ raw.table }}' as table_name,
            count(*) as malformed_rows
        from {{ ref(raw.base) }}
        where reject_reason = 'malformed_row' or (reject_reason = 'erased' and reject_column = 'raw_line')
    ),

    {{ raw.table }}_erased as (
        select
            '{{ raw.table }}' as table_name,
            count(*) as erased_rows
        from {{ ref(raw.base) }}
        where reject_reason = 'erased'
    ),

    {{ raw.table }}_clean as (
        select
            '{{ raw.table }}' as table_name,
            count(*) as clean_rows
        from {{ ref(raw.staging) }}
    ),

{% endfor %}
-- clean rows a cross-source rule of an intermediate model quarantined later (contract meta rechecked_by)
rechecked_counts as (
    {%- for raw in raw_tables() if raw.rechecked_by %}
        select
            '{{ raw.table }}' as table_name,
            count(*) as rechecked_rows
        from {{ ref(raw.rechecked_by) }}
        where reject_reason is not null
        {{- "\n    union all" if not loop.last }}
    {%- else %}
        select
            cast(null as varchar) as table_name,
            cast(0 as bigint) as rechecked_rows
        where false
    {%- endfor %}
),

raw_counts as (
    {%- for raw in raw_tables() %}
        select
            {{ raw.table }}_read.source_name,
            {{ raw.table }}_read.table_name,
            {{ raw.table }}_read.rows_read + {{ raw.table }}_malformed.malformed_rows as raw_rows
        from {{ raw.table }}_read
        cross join {{ raw.table }}_malformed
        {{- "\n    union all" if not loop.last }}
    {%- endfor %}
),

staged_counts as (
    {%- for raw in raw_tables() %}
        select * from {{ raw.table }}_clean
        {{- "\n    union all" if not loop.last }}
    {%- endfor %}
),

erased_counts as (
    {%- for raw in raw_tables() %}
        select * from {{ raw.table }}_erased
        {{- "\n    union all" if not loop.last }}
    {%- endfor %}
),

clean_counts as (
    select
        staged_counts.table_name,
        staged_counts.clean_rows - coalesce(rechecked_counts.rechecked_rows, 0) as clean_rows
    from staged_counts
    left join rechecked_counts
        on staged_counts.table_name = rechecked_counts.table_name
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
        cast(coalesce(sum(quarantine_counts.outcome_rows), 0) as bigint) as quarantined_rows,
        erased_counts.erased_rows
    from raw_counts
    inner join clean_counts
        on raw_counts.table_name = clean_counts.table_name
    inner join erased_counts
        on raw_counts.table_name = erased_counts.table_name
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
    union all
    select
        table_name,
        'erased' as outcome,
        erased_rows as outcome_rows
    from table_totals
    where erased_rows > 0
)

select
    table_totals.source_name,
    table_totals.table_name,
    outcomes.outcome,
    outcomes.outcome_rows,
    table_totals.raw_rows,
    table_totals.clean_rows,
    table_totals.quarantined_rows,
    table_totals.erased_rows,
    table_totals.raw_rows
    = table_totals.clean_rows + table_totals.quarantined_rows + table_totals.erased_rows as is_reconciled
from table_totals
inner join outcomes
    on table_totals.table_name = outcomes.table_name
order by table_totals.source_name, table_totals.table_name, outcomes.outcome
