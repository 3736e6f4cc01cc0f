-- one row per resolved customer: CRM survivors plus customers known only from orders
with

customers as (
    select * from {{ ref('stg_crm__customers') }}
),

customer_ids as (
    select * from {{ ref('int_customer_ids_mapped') }}
),

orders as (
    select * from {{ ref('stg_shop__orders') }}
),

order_only_customers as (
    select
        customer_ids.customer_id,
        min(orders.ordered_at) as first_ordered_at
    from orders
    inner join customer_ids
        on orders.customer_id = customer_ids.source_customer_id
    where customer_ids.resolution = 'seen_outside_crm'
    group by customer_ids.customer_id
),

merged_counts as (
    select
        customer_id,
        count(*) - 1 as merged_records
    from customer_ids
    where resolution in ('crm', 'merged_by_email')
    group by customer_id
),

resolved as (
    select
        customers.customer_id,
        customers.account_id,
        customers.email,
        customers.phone,
        customers.first_name,
        customers.last_name,
        customers.gender,
        customers.postal_code,
        customers.city,
        customers.country_code,
        customers.birth_date,
        customers.created_at,
        true as is_in_crm,
        coalesce(merged_counts.merged_records, 0) as merged_records
    from customers
    left join merged_counts
        on customers.customer_id = merged_counts.customer_id
    union all
    select
        customer_id,
        cast(null as varchar) as account_id,
        cast(null as varchar) as email,
        cast(null as varchar) as phone,
        cast(null as varchar) as first_name,
        cast(null as varchar) as last_name,
        cast(null as varchar) as gender,
        cast(null as varchar) as postal_code,
        cast(null as varchar) as city,
        cast(null as varchar) as country_code,
        cast(null as date) as birth_date,
        first_ordered_at as created_at,
        false as is_in_crm,
        0 as merged_records
    from order_only_customers
)

select * from resolved
