{{ config(
    materialized='table', pre_hook="{{ raw_rejects_scan('consents') }}", post_hook="{{ drop_staged_steps() }}"
) }}

with

{{ typed_raw_rows('crm', 'consents') }},

checked as not materialized (
    select
        *,
        {{ first_matching_rule(contract_row_rules('crm', 'consents')) }} as first_rejection
    from typed
),

deduplicated as (
    {{ deduplicated_rows('crm', 'consents') }}
)

select
    subject_type,
    subject_id,
    purpose,
    granted as is_granted,
    recorded_at,
    {{ quarantine_columns() }}
from deduplicated
