-- erasure requests, typed and checked (macro erasure_request_checks, shared with stg_crm__erased_subjects).
-- Nothing of the person is stored: the subject id and email become has_subject_id and has_email, and
-- they are masked in the raw values kept for a quarantined request (contract meta pii). The raw file is
-- the record of the requests; the erasure view reads it at every build.
{{ config(materialized='table', pre_hook="{{ raw_rejects_scan('erasure_requests') }}") }}

with

{{ typed_raw_rows('crm', 'erasure_requests') }},

{{ erasure_request_checks() }},

final as (
    select
        subject_type,
        subject_id is not null as has_subject_id,
        email is not null as has_email,
        requested_at,
        {{ quarantine_columns() }}
    from deduplicated
)

select
    subject_type,
    has_subject_id,
    has_email,
    requested_at,
    reject_reason,
    reject_column,
    value_issues,
    {{ masked_table_raw_values('raw_values', 'crm', 'erasure_requests') }} as raw_values,
    _raw_file
from final
