with

order_items as (
    {{ clean_rows(ref('base_shop__order_items')) }}
)

select * from order_items
