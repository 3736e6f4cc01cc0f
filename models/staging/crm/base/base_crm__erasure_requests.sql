{{ config(materialized='table', pre_hook="{{ raw_rejects_scan('erasure_requests') }}") }}

with

{{ typed_raw_rows('crm', 'erasure_requests') }},

normalized as not materialized (
    select
        typed.* exclude (email, value_issues),  -- noqa: RF02
        {{ normalize_email('typed.email') }} as email_normalized,
        case
            when {{ is_valid_email(normalize_email('typed.email')) }} then {{ normalize_email('typed.email') }}
        end as email,
        {{ combined_issues('typed.value_issues', value_issues([
            ('email_normalized is not null and not ' ~ is_valid_email('email_normalized'),
             'email', 'invalid_email'),
        ])) }} as value_issues
    from typed
),

checked as not materialized (
    select
        *,
        {{ first_matching_rule(contract_row_rules('crm', 'erasure_requests', model_rules=[
            ('subject_id is null and email is null', 'missing_required_value', 'subject_id'),
            ('subject_id is not null and subject_type is null', 'missing_required_value', 'subject_type'),
        ])) }} as first_rejection
    from normalized
),

deduplicated as (
    {{ deduplicated_rows('crm', 'erasure_requests') }}
)

select
    subject_type,
    subject_id,
    email,
    requested_at,
    {{ quarantine_columns() }}
from deduplicated
