{#-
    The day grain time spine MetricFlow joins to (declared as the project's time spine in
    _semantic__models.yml): one row per day from 2015-01-01 to 2035-12-31.
-#}
with

days as (
    select date_day
    from {{ day_series("date '2015-01-01'", "date '2036-01-01'", 'date_day') }} as day_series
)

select date_day from days
