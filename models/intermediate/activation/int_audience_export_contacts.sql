{{ config(materialized='view') }}
-- what `audience sync` reads: one row per audience member with the direct identifiers it hashes into
-- the customer-list file, and the member's consent for the audience's purpose as in force when the
-- view is read. A view, so the identifiers are not copied into another table.
with

members as (
    select * from {{ ref('audience_members') }}
),

consents as (
    select * from {{ ref('int_consents_in_force') }}
),

customers as (
    select * from {{ ref('int_customers_resolved') }}
),

leads as (
    select * from {{ ref('stg_crm__leads') }}
),

contacts as (
    select
        'customer' as subject_type,
        customer_id as subject_id,
        email,
        phone,
        first_name,
        last_name,
        city,
        postal_code,
        country_code,
        birth_date
    from customers
    union all
    select
        'lead' as subject_type,
        lead_id as subject_id,
        email,
        cast(null as varchar) as phone,
        first_name,
        last_name,
        cast(null as varchar) as city,
        cast(null as varchar) as postal_code,
        country_code,
        cast(null as date) as birth_date
    from leads
)

select
    members.audience_name,
    members.subject_type,
    members.subject_id,
    members.consent_purpose,
    coalesce(consents.is_granted, false) as has_consent_in_force,
    contacts.email,
    contacts.phone,
    contacts.first_name,
    contacts.last_name,
    contacts.city,
    contacts.postal_code,
    contacts.country_code,
    contacts.birth_date
from members
left join contacts
    on
        members.subject_type = contacts.subject_type
        and members.subject_id = contacts.subject_id
left join consents
    on
        members.subject_type = consents.subject_type
        and members.subject_id = consents.subject_id
        and members.consent_purpose = consents.purpose
