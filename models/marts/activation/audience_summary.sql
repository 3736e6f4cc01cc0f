-- one row per audience definition: how many subjects satisfy its rule, how many of them have its
-- consent in force (the members) and how many the consent rule keeps out, by reason
with

definitions as (
    select * from {{ ref('int_audience_definitions') }}
),

rule_matches as (
    select * from {{ ref('int_audience_rule_matches') }}
),

consents as (
    select * from {{ ref('int_consents_in_force') }}
),

members as (
    select * from {{ ref('audience_members') }}
),

match_consents as (
    select
        rule_matches.audience_name,
        consents.is_granted,
        consents.decided_by
    from rule_matches
    inner join consents
        on
            rule_matches.subject_type = consents.subject_type
            and rule_matches.subject_id = consents.subject_id
            and rule_matches.consent_purpose = consents.purpose
),

match_counts as (
    select
        audience_name,
        count(*) as matched_subjects,
        count(*) filter (where not is_granted and decided_by = 'consent_record') as excluded_consent_refused,
        count(*) filter (where not is_granted and decided_by = 'email_opt_out') as excluded_email_opt_out,
        count(*) filter (where not is_granted and decided_by = 'no_record') as excluded_no_consent_record
    from match_consents
    group by audience_name
),

member_counts as (
    select
        audience_name,
        count(*) as members
    from members
    group by audience_name
)

select
    definitions.audience_name,
    definitions.subject_type,
    definitions.destination,
    definitions.consent_purpose,
    definitions.refresh,
    definitions.sync_mode,
    definitions.is_active,
    coalesce(match_counts.matched_subjects, 0) as matched_subjects,
    coalesce(member_counts.members, 0) as members,
    coalesce(match_counts.excluded_consent_refused, 0) as excluded_consent_refused,
    coalesce(match_counts.excluded_email_opt_out, 0) as excluded_email_opt_out,
    coalesce(match_counts.excluded_no_consent_record, 0) as excluded_no_consent_record,
    {{ build_time() }} as built_at
from definitions
left join match_counts
    on definitions.audience_name = match_counts.audience_name
left join member_counts
    on definitions.audience_name = member_counts.audience_name
