with

erasure_requests as (
    {{ clean_rows(ref('base_crm__erasure_requests')) }}
)

select * from erasure_requests
