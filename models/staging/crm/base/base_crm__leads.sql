{{ config(
    materialized='table', pre_hook="{{ raw_rejects_scan('leads') }}", post_hook="{{ drop_staged_steps() }}"
) }}

with

{{ typed_raw_rows('crm', 'leads') }},

country_lookups as (
    select * from {{ ref('stg_reference__country_lookups') }}
),

normalized as not materialized (
    select
        typed.* exclude (email, country_code, opportunity_amount, value_issues),  -- noqa: RF02
        {{ normalize_email('typed.email') }} as email_normalized,
        case
            when {{ is_valid_email(normalize_email('typed.email')) }} then {{ normalize_email('typed.email') }}
        end as email,
        country_lookups.country_code,
        case when typed.opportunity_amount >= 0 then typed.opportunity_amount end as opportunity_amount,
        {{ combined_issues('typed.value_issues', value_issues([
            ('email_normalized is not null and not ' ~ is_valid_email('email_normalized'),
             'email', 'invalid_email'),
            ('typed.country_code is not null and country_lookups.country_code is null',
             'country_code', 'unknown_country_code'),
            ('typed.opportunity_amount < 0', 'opportunity_amount', 'out_of_range_value'),
        ])) }} as value_issues
    from typed
    left join country_lookups
        on {{ country_lookup_key('typed.country_code') }} = country_lookups.lookup_key
),

checked as not materialized (
    select
        *,
        {{ first_matching_rule(contract_row_rules('crm', 'leads')) }} as first_rejection
    from normalized
),

deduplicated as (
    {{ deduplicated_rows('crm', 'leads') }}
)

select
    lead_id,
    account_id,
    email,
    first_name,
    last_name,
    job_title,
    country_code,
    lead_source,
    status as lead_status,
    opportunity_amount,
    created_at,
    converted_at,
    {{ quarantine_columns() }}
from deduplicated
