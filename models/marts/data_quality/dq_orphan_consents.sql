-- clean consent records whose subject exists nowhere: a customer id that is no CRM customer (nor merged
-- into one) and placed no order, or a lead id that is no lead. They create no subject and apply to nobody.
with

consents as (
    select * from {{ ref('stg_crm__consents') }}
),

customer_ids as (
    select * from {{ ref('int_customer_ids_mapped') }}
),

customers as (
    select * from {{ ref('int_customers_resolved') }}
),

leads as (
    select * from {{ ref('stg_crm__leads') }}
),

known_customer_ids as (
    select customer_ids.source_customer_id
    from customer_ids
    inner join customers
        on customer_ids.customer_id = customers.customer_id
)

select
    consents.subject_type,
    consents.subject_id,
    consents.purpose,
    consents.is_granted,
    consents.recorded_at
from consents
where
    (
        consents.subject_type = 'customer'
        and consents.subject_id not in (select known_customer_ids.source_customer_id from known_customer_ids)
    )
    or (
        consents.subject_type = 'lead'
        and consents.subject_id not in (select leads.lead_id from leads)
    )
