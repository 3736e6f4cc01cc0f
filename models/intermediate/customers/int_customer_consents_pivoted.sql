-- one row per snapshot and customer with a consent record before the as-of date: per purpose, the
-- consent in force at the as-of date (the latest record before it; on equal times a refusal wins,
-- the rule of int_consents_latest). int_consents_latest holds the consent in force now, which a
-- training snapshot must not read.
with

consents as (
    select * from {{ ref('stg_crm__consents') }}
),

customer_ids as (
    select * from {{ ref('int_customer_ids_mapped') }}
),

snapshot_dates as (
    select * from {{ ref('int_snapshot_dates') }}
),

snapshot_consents as (
    select
        snapshot_dates.snapshot_name,
        coalesce(customer_ids.customer_id, consents.subject_id) as customer_id,
        consents.purpose,
        consents.is_granted,
        consents.recorded_at
    from consents
    left join customer_ids
        on consents.subject_id = customer_ids.source_customer_id
    inner join snapshot_dates
        on consents.recorded_at < snapshot_dates.as_of_at
    where consents.subject_type = 'customer'
),

in_force as (
    select
        snapshot_name,
        customer_id,
        purpose,
        is_granted
    from snapshot_consents
    qualify {{ is_consent_in_force(['snapshot_name', 'customer_id', 'purpose']) }}
)

select
    snapshot_name,
    customer_id,
    coalesce(bool_or(is_granted) filter (where purpose = 'email_marketing'), false) as has_email_marketing_consent,
    coalesce(bool_or(is_granted) filter (where purpose = 'ad_targeting'), false) as has_ad_targeting_consent,
    coalesce(bool_or(is_granted) filter (where purpose = 'profiling'), false) as has_profiling_consent
from in_force
group by snapshot_name, customer_id
