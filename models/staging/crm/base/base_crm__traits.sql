{{ config(
    materialized='table', pre_hook="{{ raw_rejects_scan('traits') }}", post_hook="{{ drop_staged_steps() }}"
) }}

with

{{ typed_raw_rows('crm', 'traits') }},

checked as not materialized (
    select
        *,
        {{ first_matching_rule(contract_row_rules('crm', 'traits')) }} as first_rejection
    from typed
),

deduplicated as (
    {{ deduplicated_rows('crm', 'traits') }}
)

select
    subject_type,
    subject_id,
    trait,
    value as trait_value,
    recorded_at,
    {{ quarantine_columns() }}
from deduplicated
