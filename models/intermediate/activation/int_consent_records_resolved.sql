-- every clean consent record, customer subjects resolved to their surviving customer (a merged
-- record's consents compete with the survivor's): the input of the consent rule
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

select * from resolved
