{{ config(materialized='table') }}

with

country_lookups as (
    select * from {{ ref('stg_reference__country_lookups') }}
),

typed as (
    {{ typed_raw_rows('crm', 'leads') }}
),

normalized as (
    select
        typed.*,
        {{ normalize_email('typed.email') }} as email_normalized,
        {{ country_lookup_key('typed.country_code') }} as country_key,
        country_lookups.country_code as country_code_iso
    from typed
    left join country_lookups
        on {{ country_lookup_key('typed.country_code') }} = country_lookups.lookup_key
),

cleaned as (
    select
        ---------- ids
        lead_id,
        account_id,
        ---------- strings
        case when {{ is_valid_email('email_normalized') }} then email_normalized end as email,
        first_name,
        last_name,
        job_title,
        country_code_iso as country_code,
        lower(lead_source) as lead_source,
        lower(status) as lead_status,
        ---------- numerics
        case when opportunity_amount >= 0 then opportunity_amount end as opportunity_amount,
        ---------- timestamps
        created_at,
        converted_at,
        ---------- audit
        raw_record,
        raw_copy_number,
        _raw_file,
        {{ value_issues(unparseable_value_checks('crm', 'leads', 'normalized') + [
            ('email_normalized is not null and not ' ~ is_valid_email('email_normalized'),
             'email', 'invalid_email'),
            ('country_key is not null and country_code_iso is null', 'country_code', 'unknown_country_code'),
            ('opportunity_amount < 0', 'opportunity_amount', 'out_of_range_value'),
        ]) }} as value_issues
    from normalized
),

checked as (
    select
        *,
        {{ first_matching_rule(missing_required_checks('crm', 'leads', 'cleaned') + [
            ('raw_copy_number > 1', 'duplicate_row', none),
            ('created_at > ' ~ build_time(), 'future_timestamp', 'created_at'),
        ]) }} as first_rejection
    from cleaned
),

deduplicated as (
    select
        *,
        {{ with_duplicate_key_rejection(
            'first_rejection', ['lead_id'], 'created_at desc, cast(raw_record as varchar)'
        ) }} as rejected
    from checked
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
    lead_status,
    opportunity_amount,
    created_at,
    converted_at,
    {{ quarantine_columns() }}
from deduplicated
