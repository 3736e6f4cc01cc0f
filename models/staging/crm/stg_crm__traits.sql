with

traits as (
    {{ clean_rows(ref('base_crm__traits')) }}
)

select * from traits
