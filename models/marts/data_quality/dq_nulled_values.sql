-- every nulled value (dq_nulled_values_unmasked) with the pii values of its row's raw values masked
-- (contract meta pii, macros/privacy/pii.sql): what BI reads in schema main
with

nulled as (
    select * from {{ ref('dq_nulled_values_unmasked') }}
)

select
    source_name,
    table_name,
    column_name,
    reason_code,
    is_row_quarantined,
    {{ masked_raw_values('raw_values', 'table_name') }} as raw_values,
    raw_file
from nulled
