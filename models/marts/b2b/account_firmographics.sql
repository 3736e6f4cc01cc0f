-- One row per account: normalized firmographics (sector, size and revenue bands, region, company age
-- as of the current snapshot) and how complete its record is. Logic in int_accounts_classified.
with

accounts as (
    select * from {{ ref('int_accounts_classified') }}
)

select
    ---------- ids
    account_id,
    ---------- strings
    account_name,
    account_domain,
    industry,
    sector,
    employee_size_band,
    revenue_band,
    country_code,
    region,
    ---------- numerics
    employee_count,
    annual_revenue,
    founded_year,
    employee_size_band_rank,
    revenue_band_rank,
    log_employee_count,
    log_annual_revenue,
    company_age_years,
    completeness_score,
    ---------- dates
    as_of_date
from accounts
