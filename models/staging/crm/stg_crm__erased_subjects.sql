-- the subjects of the standing erasure requests, as keys: every customer id and lead id of the person and
-- their emails. A VIEW in schema `restricted` (macros/privacy/erasure.sql): it reads the raw request,
-- customer and lead files whenever a base model builds, and is never stored in the warehouse file.
-- A request's subject: its id (customers known only from orders too) and its email, and every customer
-- and lead record whose normalized email is one of them (merged duplicates, a lead who is also a customer).
{{ config(materialized='view', schema='restricted', post_hook="{{ set_erased_subject_keys() }}") }}

with

{{ typed_raw_rows('crm', 'erasure_requests', with_malformed=false) }},

{{ erasure_request_checks() }},

requests as (
    select
        subject_type,
        subject_id,
        email
    from deduplicated
    where rejected is null
),

customer_records as (
    select
        customers.customer_id,
        {{ normalize_email('customers.email') }} as email
    from (
        {{ raw_parsed_rows('crm', 'customers', ['customer_id', 'email']) | indent(8) }}
    ) as customers
    where customers.customer_id is not null
),

lead_records as (
    select
        leads.lead_id,
        {{ normalize_email('leads.email') }} as email
    from (
        {{ raw_parsed_rows('crm', 'leads', ['lead_id', 'email']) | indent(8) }}
    ) as leads
    where leads.lead_id is not null
),

requested_emails as (
    select requests.email from requests
    where requests.email is not null
    union
    select customer_records.email
    from customer_records
    inner join requests
        on
            requests.subject_type = 'customer'
            and customer_records.customer_id = requests.subject_id
    where customer_records.email is not null
    union
    select lead_records.email
    from lead_records
    inner join requests
        on
            requests.subject_type = 'lead'
            and lead_records.lead_id = requests.subject_id
    where lead_records.email is not null
),

erased_customers as (
    select requests.subject_id as customer_id from requests
    where requests.subject_type = 'customer'
    union
    select customer_records.customer_id from customer_records
    where customer_records.email in (select requested_emails.email from requested_emails)
),

erased_leads as (
    select requests.subject_id as lead_id from requests
    where requests.subject_type = 'lead'
    union
    select lead_records.lead_id from lead_records
    where lead_records.email in (select requested_emails.email from requested_emails)
)

select
    'customer' as erasure_key_type,
    customer_id as erasure_key
from erased_customers
union all
select
    'lead' as erasure_key_type,
    lead_id as erasure_key
from erased_leads
union all
select
    'email' as erasure_key_type,
    email as erasure_key
from requested_emails
