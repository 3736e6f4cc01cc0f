with

consents as (
    {{ clean_rows(ref('base_crm__consents')) }}
)

select * from consents
