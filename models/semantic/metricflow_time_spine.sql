{#-
    The day grain time spine MetricFlow joins to (declared as the project's time spine in
    _semantic__models.yml): one row per day from 2015-01-01 to 2035-12-31.
-#}
with

days as (
    select cast(day_series.day_start as date) as date_day
    from range(date '2015-01-01', date '2036-01-01', interval 1 day) as day_series (day_start)
)

select date_day from days
