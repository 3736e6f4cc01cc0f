-- One row per lead: seniority and job function from the job title (seed job_title_patterns: per
-- attribute the matching pattern with the smallest priority wins; classified once per distinct title),
-- lead-source group (seed lead_source_groups, exact match, `other` when not listed), the region of
-- the lead's country, and the raw title and source as category values (macro categorical_text), so the
-- models can learn from values no pattern or seed knows.
with

leads as (
    select * from {{ ref('stg_crm__leads') }}
),

job_title_patterns as (
    select * from {{ ref('job_title_patterns') }}
),

lead_source_groups as (
    select * from {{ ref('lead_source_groups') }}
),

country_codes as (
    select * from {{ ref('country_codes') }}
),

job_titles as (
    select distinct job_title
    from leads
    where job_title is not null
),

title_matches as (
    select
        job_titles.job_title,
        job_title_patterns.attribute,
        job_title_patterns.value
    from job_titles
    inner join job_title_patterns
        on {{ regexp_contains('lower(job_titles.job_title)', 'job_title_patterns.pattern') }}
    qualify row_number() over (
            partition by job_titles.job_title, job_title_patterns.attribute
            order by job_title_patterns.priority
        ) = 1
),

title_classes as (
    select
        job_title,
        max(value) filter (where attribute = 'seniority') as seniority,
        max(value) filter (where attribute = 'job_function') as job_function
    from title_matches
    group by job_title
)

select
    ---------- ids
    leads.lead_id,
    leads.account_id,
    ---------- strings
    leads.job_title,
    {{ categorical_text('leads.job_title') }} as job_title_category,
    title_classes.seniority,
    title_classes.job_function,
    leads.lead_source,
    {{ categorical_text('leads.lead_source') }} as lead_source_category,
    case
        when leads.lead_source is not null then coalesce(lead_source_groups.lead_source_group, 'other')
    end as lead_source_group,
    leads.lead_status,
    leads.country_code,
    country_codes.region,
    ---------- timestamps
    leads.created_at,
    leads.converted_at
from leads
left join title_classes
    on leads.job_title = title_classes.job_title
left join lead_source_groups
    on leads.lead_source = lead_source_groups.lead_source
left join country_codes
    on leads.country_code = country_codes.country_code
