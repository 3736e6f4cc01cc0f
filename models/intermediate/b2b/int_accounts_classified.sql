-- One row per account: the firmographic attributes of account_firmographics and lead_features.
-- Sector: the first pattern of the seed industry_sectors (by priority) that matches the lowercased
-- industry (classified once per distinct industry text). Size and revenue bands: the seed band with
-- lower_bound <= value < upper_bound. Company age and everything "current" use the current snapshot.
{%- set firmographic_attributes = [
    'account_name', 'account_domain', 'industry', 'employee_count', 'annual_revenue', 'country_code',
    'founded_year',
] %}

with

accounts as (
    select * from {{ ref('stg_firmographics__accounts') }}
),

industry_sectors as (
    select * from {{ ref('industry_sectors') }}
),

employee_size_bands as (
    select * from {{ ref('employee_size_bands') }}
),

revenue_bands as (
    select * from {{ ref('revenue_bands') }}
),

country_codes as (
    select * from {{ ref('country_codes') }}
),

snapshot_dates as (
    select * from {{ ref('int_snapshot_dates') }}
),

current_snapshot as (
    select as_of_date
    from snapshot_dates
    where snapshot_name = 'current'
),

industries as (
    select distinct industry
    from accounts
    where industry is not null
),

industry_matches as (
    select
        industries.industry,
        industry_sectors.sector
    from industries
    inner join industry_sectors
        on {{ regexp_contains('lower(industries.industry)', 'industry_sectors.pattern') }}
    qualify row_number() over (partition by industries.industry order by industry_sectors.priority) = 1
)

select
    ---------- ids
    accounts.account_id,
    ---------- strings
    accounts.account_name,
    accounts.account_domain,
    accounts.industry,
    {{ categorical_text('accounts.industry') }} as industry_category,
    industry_matches.sector,
    employee_size_bands.employee_size_band,
    revenue_bands.revenue_band,
    accounts.country_code,
    country_codes.region,
    ---------- numerics
    accounts.employee_count,
    accounts.annual_revenue,
    accounts.founded_year,
    employee_size_bands.band_rank as employee_size_band_rank,
    revenue_bands.band_rank as revenue_band_rank,
    ln(1 + accounts.employee_count) as log_employee_count,
    ln(1 + cast(accounts.annual_revenue as double)) as log_annual_revenue,
    case
        when accounts.founded_year <= year(current_snapshot.as_of_date)
            then cast(year(current_snapshot.as_of_date) - accounts.founded_year as integer)
    end as company_age_years,
    (
        {%- for attribute in firmographic_attributes %}
            cast(accounts.{{ attribute }} is not null as integer){{ " +" if not loop.last }}
        {%- endfor %}
    ) / cast({{ firmographic_attributes | length }} as double) as completeness_score,
    ---------- dates
    current_snapshot.as_of_date
from accounts
cross join current_snapshot
left join industry_matches
    on accounts.industry = industry_matches.industry
left join employee_size_bands
    on
        accounts.employee_count >= employee_size_bands.lower_bound
        and (accounts.employee_count < employee_size_bands.upper_bound or employee_size_bands.upper_bound is null)
left join revenue_bands
    on
        accounts.annual_revenue >= revenue_bands.lower_bound
        and (accounts.annual_revenue < revenue_bands.upper_bound or revenue_bands.upper_bound is null)
left join country_codes
    on accounts.country_code = country_codes.country_code
