with

events as (
    {{ clean_rows(ref('base_web__events')) }}
)

select * from events
