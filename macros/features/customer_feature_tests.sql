{#-
    Generic data tests of the customer feature models.

    covers_score_grid: for every value of `group_by` (e.g. a map version), each combination of
        `row_column` x `column_column` in 1..levels appears (with unique_combination_of_columns and
        accepted_range this makes the grid exactly levels x levels rows). Fails with the missing cells.
        data_tests: [{covers_score_grid: {arguments: {row_column: r_score, column_column: f_score,
                                                      group_by: map_version}}}]

    spend_share_categories_are_top: the categories of `spend_share_categories()` are the top N
        categories by spend (completed orders, lines with quantity > 0) before the training as-of date.
        Fails with the categories that differ; meant to run with severity warn (the list is
        configuration that the data may outgrow).
-#}

{% test covers_score_grid(model, row_column, column_column, group_by, levels=5) %}
with

versions as (
    select distinct {{ group_by }} as grid_group from {{ model }}
),

grid as (
    select
        versions.grid_group,
        row_levels.level as row_level,
        column_levels.level as column_level
    from versions
    cross join range(1, {{ levels + 1 }}) as row_levels (level)
    cross join range(1, {{ levels + 1 }}) as column_levels (level)
)

select
    grid.grid_group,
    grid.row_level,
    grid.column_level
from grid
left join {{ model }} as cells
    on
        grid.grid_group = cells.{{ group_by }}
        and grid.row_level = cells.{{ row_column }}
        and grid.column_level = cells.{{ column_column }}
where cells.{{ row_column }} is null
{% endtest %}


{% test spend_share_categories_are_top(model) %}
{%- set configured = spend_share_categories() -%}
with

order_items as (
    select * from {{ ref('stg_shop__order_items') }}
),

orders as (
    select * from {{ ref('int_orders_identified') }}
),

snapshot_dates as (
    select * from {{ ref('int_snapshot_dates') }}
),

category_spend as (
    select
        coalesce(order_items.product_category, 'unknown') as product_category,
        sum(order_items.quantity * order_items.unit_price) as spend
    from order_items
    inner join orders
        on order_items.order_id = orders.order_id
    inner join snapshot_dates
        on
            snapshot_dates.snapshot_name = 'training'
            and orders.ordered_at < snapshot_dates.as_of_at
    where orders.order_status = 'completed' and order_items.quantity > 0
    group by all
),

top_categories as (
    select product_category
    from category_spend
    order by spend desc, product_category asc
    limit {{ configured | length }}
),

configured_categories as (
    select {{ unnest_list(text_list(configured)) }} as product_category
),

differences as (
    select
        product_category,
        'top by spend, not configured' as difference
    from top_categories
    where product_category not in (select configured_categories.product_category from configured_categories)
    union all
    select
        product_category,
        'configured, not top by spend' as difference
    from configured_categories
    where product_category not in (select top_categories.product_category from top_categories)
)

select * from differences
where (select count(*) from category_spend) > 0
{% endtest %}
