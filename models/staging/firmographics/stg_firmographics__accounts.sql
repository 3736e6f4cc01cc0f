with

accounts as (
    {{ clean_rows(ref('base_firmographics__accounts')) }}
)

select * from accounts
