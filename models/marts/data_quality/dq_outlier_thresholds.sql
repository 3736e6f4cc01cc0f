-- the outlier rule of every money and count column: the threshold fitted at this build and how many
-- rows it flagged (quarantined as outlier_amount for a required column, nulled as outlier_value otherwise)
with

thresholds as (
    select * from {{ ref('stg_raw__outlier_thresholds') }}
),

quarantined as (
    select * from {{ ref('dq_quarantined_rows') }}
),

nulled as (
    select * from {{ ref('dq_nulled_values') }}
),

flagged as (
    select
        table_name,
        reject_column as column_name,
        count(*) as flagged_rows
    from quarantined
    where reject_reason = 'outlier_amount'
    group by table_name, reject_column
    union all
    select
        table_name,
        column_name,
        count(*) as flagged_rows
    from nulled
    where reason_code = 'outlier_value'
    group by table_name, column_name
)

select
    thresholds.source_name,
    thresholds.table_name,
    thresholds.column_name,
    thresholds.values_fitted,
    thresholds.log_q1,
    thresholds.log_q3,
    thresholds.log_iqr,
    thresholds.iqr_k,
    thresholds.min_factor,
    thresholds.upper_threshold,
    cast(coalesce(sum(flagged.flagged_rows), 0) as bigint) as flagged_rows
from thresholds
left join flagged
    on
        thresholds.table_name = flagged.table_name
        and thresholds.column_name = flagged.column_name
group by all
order by thresholds.source_name, thresholds.table_name, thresholds.column_name
