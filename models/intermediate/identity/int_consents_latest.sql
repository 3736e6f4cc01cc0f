-- current consent per subject and purpose (latest record wins), customers resolved to survivors;
-- for a merged customer the latest record across all of its source records wins
with

consents as (
    select * from {{ ref('stg_crm__consents') }}
),

customer_ids as (
    select * from {{ ref('int_customer_ids_mapped') }}
),

resolved as (
    select
        consents.subject_type,
        case
            when consents.subject_type = 'customer' then coalesce(customer_ids.customer_id, consents.subject_id)
            else consents.subject_id
        end as subject_id,
        consents.purpose,
        consents.is_granted,
        consents.recorded_at
    from consents
    left join customer_ids
        on
            consents.subject_type = 'customer'
            and consents.subject_id = customer_ids.source_customer_id
)

select
    subject_type,
    subject_id,
    purpose,
    is_granted,
    recorded_at
from resolved
qualify {{ is_consent_in_force(['subject_type', 'subject_id', 'purpose']) }}
