-- the consent in force now for every known subject (resolved customers and leads) and every purpose
-- of the seed consent_purposes, decided by the project's one consent rule (macro consent_in_force)
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
    select * from {{ ref('int_customers_resolved') }}
),

leads as (
    select * from {{ ref('stg_crm__leads') }}
),

subjects as (
    select
        'customer' as subject_type,
        customer_id as subject_id
    from customers
    union all
    select
        'lead' as subject_type,
        lead_id as subject_id
    from leads
),

in_force as (
    {{ consent_in_force(
        records='consent_records',
        opt_outs='email_opt_outs',
        purposes='consent_purposes',
        keys=['subject_type', 'subject_id'],
        spine='subjects'
    ) }}
)

select * from in_force
