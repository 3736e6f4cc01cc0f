{{ config(materialized='table') }}

with

country_lookups as (
    select * from {{ ref('stg_reference__country_lookups') }}
),

typed as (
    {{ typed_raw_rows('firmographics', 'accounts') }}
),

normalized as (
    select
        typed.*,
        {{ country_lookup_key('typed.country_code') }} as country_key,
        country_lookups.country_code as country_code_iso,
        year(cast({{ build_time() }} as date)) as build_year
    from typed
    left join country_lookups
        on {{ country_lookup_key('typed.country_code') }} = country_lookups.lookup_key
),

cleaned as (
    select
        ---------- ids
        account_id,
        ---------- strings
        account_name,
        lower(domain) as account_domain,
        industry,
        country_code_iso as country_code,
        ---------- numerics
        case when employee_count >= 0 then employee_count end as employee_count,
        case when annual_revenue >= 0 then annual_revenue end as annual_revenue,
        case when founded_year between 1800 and build_year then founded_year end as founded_year,
        ---------- audit
        raw_record,
        raw_copy_number,
        _raw_file,
        {{ value_issues(unparseable_value_checks('firmographics', 'accounts', 'normalized') + [
            ('country_key is not null and country_code_iso is null', 'country_code', 'unknown_country_code'),
            ('employee_count < 0', 'employee_count', 'out_of_range_value'),
            ('annual_revenue < 0', 'annual_revenue', 'out_of_range_value'),
            ('founded_year not between 1800 and build_year', 'founded_year', 'out_of_range_value'),
        ]) }} as value_issues
    from normalized
),

checked as (
    select
        *,
        {{ first_matching_rule(missing_required_checks('firmographics', 'accounts', 'cleaned') + [
            ('raw_copy_number > 1', 'duplicate_row', none),
        ]) }} as first_rejection
    from cleaned
),

deduplicated as (
    select
        *,
        {{ with_duplicate_key_rejection(
            'first_rejection', ['account_id'], 'cast(raw_record as varchar)'
        ) }} as rejected
    from checked
)

select
    account_id,
    account_name,
    account_domain,
    industry,
    country_code,
    employee_count,
    annual_revenue,
    founded_year,
    {{ quarantine_columns() }}
from deduplicated
