-- customer records merged into a survivor by normalized email (rule: base_crm__customers, `merged`)
with

customers as (
    select * from {{ ref('base_crm__customers') }}
)

select
    customer_id as merged_customer_id,
    survivor_customer_id
from customers
where reject_reason = 'duplicate_email'
