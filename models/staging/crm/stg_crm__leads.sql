with

leads as (
    {{ clean_rows(ref('base_crm__leads')) }}
)

select * from leads
