-- An audience as a marketer reviews it before a sync: the members of one audience (var
-- export_audience_name, default the audience with the most members) with why they are in (segment,
-- RFM segment, score) and since when. No email, phone or name: the identifiers only leave the
-- warehouse hashed, through `audience sync` (README, "Activation"). Compile with
-- `dbt compile --select audience_export` and run the SQL in target/compiled.
with

audience_members as (
    select * from {{ ref('audience_members') }}
),

audience_summary as (
    select * from {{ ref('audience_summary') }}
),

chosen_audience as (
    select audience_name
    from audience_summary
    {%- if var('export_audience_name') is not none %}
    where audience_name = '{{ var("export_audience_name") }}'
    {%- else %}
        order by members desc, audience_name asc
        limit 1
    {%- endif %}
)

select
    audience_members.audience_name,
    audience_members.subject_type,
    audience_members.subject_id,
    audience_members.segment_name,
    audience_members.rfm_segment,
    audience_members.grade,
    audience_members.probability,
    audience_members.consent_recorded_at,
    audience_members.added_at
from audience_members
inner join chosen_audience
    on audience_members.audience_name = chosen_audience.audience_name
order by audience_members.probability desc nulls last, audience_members.subject_id asc
