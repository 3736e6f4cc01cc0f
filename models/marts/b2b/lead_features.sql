-- One row per lead created before the current as-of date: the input of the lead-scoring model.
-- Firmographics of the lead's account, seniority and function from the title, lead-source group and
-- region (derived), the raw lead source, job title, country and industry as categories (the models
-- learn from them, rare values grouped by the preprocessing's rare-level rule), the lead's web and email
-- activity over its activity window (int_lead_activity_aggregated: sessions, time on site, pages per
-- session, opens, clicks, bounces, unsubscribes, complaints, last activity), its email consent at the
-- window end (int_lead_consents_at_window_end) and account roll-ups. Region and country: the lead's,
-- else its account's. The custom CRM traits of the lead and of its account at the window end
-- (int_lead_traits_pivoted: one column per trait of trait_registry, `trait_<name>` and
-- `account_trait_<name>`; none without traits).
-- depends_on: {{ ref('trait_registry') }}
{%- set trait_columns = trait_feature_columns('lead') + trait_feature_columns('account') %}

with

leads as (
    select * from {{ ref('int_leads_classified') }}
),

accounts as (
    select * from {{ ref('int_accounts_classified') }}
),

lead_activity as (
    select * from {{ ref('int_lead_activity_aggregated') }}
),

lead_consents as (
    select * from {{ ref('int_lead_consents_at_window_end') }}
),

lead_traits as (
    select * from {{ ref('int_lead_traits_pivoted') }}
),

joined as (
    select
        leads.lead_id,
        leads.account_id,
        leads.seniority,
        leads.job_function,
        leads.lead_source_category as lead_source,
        leads.lead_source_group,
        leads.job_title_category as job_title,
        accounts.industry_category as industry,
        accounts.sector,
        accounts.employee_size_band,
        accounts.revenue_band,
        coalesce(leads.country_code, accounts.country_code) as country_code,
        coalesce(leads.region, accounts.region) as region,
        accounts.employee_count,
        accounts.annual_revenue,
        accounts.log_employee_count,
        accounts.log_annual_revenue,
        accounts.company_age_years,
        accounts.completeness_score as account_completeness_score,
        {{ days_since('leads.created_at', 'lead_activity.as_of_date') }} as days_since_created,
        lead_activity.sessions_in_window,
        lead_activity.page_views_in_window,
        lead_activity.form_submits_in_window,
        lead_activity.email_opens_in_window,
        lead_activity.email_clicks_in_window,
        lead_activity.email_bounces_in_window,
        lead_activity.email_unsubscribes_in_window,
        lead_activity.email_complaints_in_window,
        lead_activity.time_on_site_seconds_in_window,
        lead_activity.pages_per_session_in_window,
        lead_activity.days_since_last_activity,
        lead_activity.last_activity_type,
        lead_consents.email_consent_state,
        lead_activity.activity_window_days,
        accounts.account_id is not null as has_account,
        lead_activity.as_of_date,
        leads.created_at,
        lead_activity.activity_window_start_at,
        {{- trait_column_list(trait_columns, 'lead_traits') }}
        lead_traits.traits_known,
        lead_activity.activity_window_end_at
    from leads
    inner join lead_activity
        on leads.lead_id = lead_activity.lead_id
    inner join lead_consents
        on leads.lead_id = lead_consents.lead_id
    inner join lead_traits
        on leads.lead_id = lead_traits.lead_id
    left join accounts
        on leads.account_id = accounts.account_id
)

select
    ---------- ids
    lead_id,
    account_id,
    ---------- strings
    seniority,
    job_function,
    lead_source,
    lead_source_group,
    job_title,
    industry,
    sector,
    employee_size_band,
    revenue_band,
    country_code,
    region,
    last_activity_type,
    email_consent_state,
    ---------- numerics
    employee_count,
    annual_revenue,
    log_employee_count,
    log_annual_revenue,
    company_age_years,
    account_completeness_score,
    cast(days_since_created as integer) as days_since_created,
    sessions_in_window,
    page_views_in_window,
    form_submits_in_window,
    email_opens_in_window,
    email_clicks_in_window,
    email_bounces_in_window,
    email_unsubscribes_in_window,
    email_complaints_in_window,
    time_on_site_seconds_in_window,
    pages_per_session_in_window,
    days_since_last_activity,
    activity_window_days,
    case when account_id is not null then cast(count(*) over (partition by account_id) as integer) end
        as account_leads,
    case when account_id is not null then cast(sum(sessions_in_window) over (partition by account_id) as integer) end
        as account_sessions,
    ---------- trait features (one column per lead and account trait of trait_registry) and how many are known
    {{- trait_column_list(trait_columns) }}
    traits_known,
    ---------- booleans
    has_account,
    ---------- dates
    as_of_date,
    ---------- timestamps
    created_at,
    activity_window_start_at,
    activity_window_end_at
from joined
