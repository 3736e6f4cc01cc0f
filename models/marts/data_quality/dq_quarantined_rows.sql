-- every quarantined raw row (dq_quarantined_rows_unmasked) with the pii values of its raw values masked
-- (contract meta pii, macros/privacy/pii.sql): what BI reads in schema main
with

quarantined as (
    select * from {{ ref('dq_quarantined_rows_unmasked') }}
)

select
    source_name,
    table_name,
    reject_reason,
    reject_column,
    {{ masked_raw_values('raw_values', 'table_name') }} as raw_values,
    raw_file,
    raw_line_number
from quarantined
