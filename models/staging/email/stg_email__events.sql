with

events as (
    {{ clean_rows(ref('base_email__events')) }}
)

select * from events
