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
    select distinct customer_ids.source_customer_id
    from customer_ids
    inner join customers
        on customer_ids.customer_id = customers.customer_id
)

-- anti joins rather than `not in (subquery)` inside an `or`, which Spark can only run as a nested loop
-- (hours at 362k consents); the subject ids are never null (staging's key), so the two agree
select
    consents.subject_type,
    consents.subject_id,
    consents.purpose,
    consents.is_granted,
    consents.recorded_at
from consents
left join known_customer_ids
    on
        consents.subject_type = 'customer'
        and consents.subject_id = known_customer_ids.source_customer_id
left join leads
    on
        consents.subject_type = 'lead'
        and consents.subject_id = leads.lead_id
where
    (consents.subject_type = 'customer' and known_customer_ids.source_customer_id is null)
    or (consents.subject_type = 'lead' and leads.lead_id is null)
