{{ config(
    materialized='table', pre_hook="{{ raw_rejects_scan('accounts') }}", post_hook="{{ drop_staged_steps() }}"
) }}

with

{{ typed_raw_rows('firmographics', 'accounts') }},

country_lookups as (
    select * from {{ ref('stg_reference__country_lookups') }}
),

normalized as not materialized (
    select
        typed.* exclude (country_code, employee_count, annual_revenue, founded_year, value_issues),  -- noqa: RF02
        country_lookups.country_code,
        case when typed.employee_count >= 0 then typed.employee_count end as employee_count,
        case when typed.annual_revenue >= 0 then typed.annual_revenue end as annual_revenue,
        case
            when typed.founded_year between 1800 and year(cast({{ build_time() }} as date)) then typed.founded_year
        end as founded_year,
        {{ combined_issues('typed.value_issues', value_issues([
            ('typed.country_code is not null and country_lookups.country_code is null',
             'country_code', 'unknown_country_code'),
            ('typed.employee_count < 0', 'employee_count', 'out_of_range_value'),
            ('typed.annual_revenue < 0', 'annual_revenue', 'out_of_range_value'),
            ('typed.founded_year not between 1800 and year(cast(' ~ build_time() ~ ' as date))',
             'founded_year', 'out_of_range_value'),
        ])) }} as value_issues
    from typed
    left join country_lookups
        on {{ country_lookup_key('typed.country_code') }} = country_lookups.lookup_key
),

checked as not materialized (
    select
        *,
        {{ first_matching_rule(contract_row_rules('firmographics', 'accounts')) }} as first_rejection
    from normalized
),

deduplicated as (
    {{ deduplicated_rows('firmographics', 'accounts') }}
)

select
    account_id,
    account_name,
    lower(domain) as account_domain,
    industry,
    country_code,
    employee_count,
    annual_revenue,
    founded_year,
    {{ quarantine_columns() }}
from deduplicated
