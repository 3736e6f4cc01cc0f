with

orders as (
    {{ clean_rows(ref('base_shop__orders')) }}
)

select * from orders
