with

customers as (
    {{ clean_rows(ref('base_crm__customers')) }}
)

select * exclude (survivor_customer_id) from customers
