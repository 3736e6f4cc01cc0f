-- one row per snapshot and customer known before its as-of date: per purpose, the consent in force at
-- the as-of date, decided by the project's one consent rule (macro consent_in_force: the latest record
-- wins, a refusal on equal times; an email opt-out withdraws the purposes the seed consent_purposes
-- says it withdraws; no record: the purpose's default) over the consent records and email opt-outs
-- strictly before the as-of date. int_consents_in_force holds the consent in force now, which a training
-- snapshot must not read.
with

consent_records as (
    select * from {{ ref('int_consent_records_resolved') }}
),

email_opt_outs as (
    select * from {{ ref('int_email_opt_outs') }}
),

consent_purposes as (
    select * from {{ ref('consent_purposes') }}
),

customers as (
    select * from {{ ref('int_customers_snapshotted') }}
),

snapshot_dates as (
    select * from {{ ref('int_snapshot_dates') }}
),

snapshot_records as (
    select
        snapshot_dates.snapshot_name,
        consent_records.subject_id as customer_id,
        consent_records.purpose,
        consent_records.is_granted,
        consent_records.recorded_at
    from consent_records
    inner join snapshot_dates
        on consent_records.recorded_at < snapshot_dates.as_of_at
    where consent_records.subject_type = 'customer'
),

snapshot_opt_outs as (
    select
        snapshot_dates.snapshot_name,
        email_opt_outs.subject_id as customer_id,
        email_opt_outs.opted_out_at
    from email_opt_outs
    inner join snapshot_dates
        on email_opt_outs.opted_out_at < snapshot_dates.as_of_at
    where email_opt_outs.subject_type = 'customer'
),

in_force as (
    {{ consent_in_force(
        records='snapshot_records',
        opt_outs='snapshot_opt_outs',
        purposes='consent_purposes',
        keys=['snapshot_name', 'customer_id'],
        spine='customers'
    ) }}
)

select
    snapshot_name,
    customer_id,
    coalesce(bool_or(is_granted) filter (where purpose = 'email_marketing'), false) as has_email_marketing_consent,
    coalesce(bool_or(is_granted) filter (where purpose = 'ad_targeting'), false) as has_ad_targeting_consent,
    coalesce(bool_or(is_granted) filter (where purpose = 'profiling'), false) as has_profiling_consent
from in_force
group by snapshot_name, customer_id
