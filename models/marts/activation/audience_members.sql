-- one row per audience and member: the subjects that satisfy the audience's rule AND have its consent
-- purpose in force (int_consents_in_force, the project's one consent rule). added_at is kept from the
-- previous build for a member who stays; a member who leaves and comes back gets a new added_at.
{%- set previous = load_relation(this) if execute else none %}
{%- set added_at = 'coalesce(previous_members.added_at, ' ~ build_time() ~ ')' if previous is not none
    else build_time() %}
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

{%- if previous is not none %}

previous_members as (
    select
        audience_name,
        subject_type,
        subject_id,
        added_at
    from {{ previous_build(this) }}
),
{%- endif %}

consenting as (
    select
        rule_matches.*,
        consents.consent_recorded_at
    from rule_matches
    inner join consents
        on
            rule_matches.subject_type = consents.subject_type
            and rule_matches.subject_id = consents.subject_id
            and rule_matches.consent_purpose = consents.purpose
    where consents.is_granted
)

select
    consenting.audience_name,
    definitions.destination,
    consenting.subject_type,
    consenting.subject_id,
    consenting.consent_purpose,
    consenting.consent_recorded_at,
    consenting.segment_id,
    consenting.segment_name,
    consenting.rfm_segment,
    consenting.grade,
    consenting.probability,
    consenting.priority_rank,
    {{ added_at }} as added_at,
    {{ build_time() }} as built_at
from consenting
inner join definitions
    on consenting.audience_name = definitions.audience_name
{%- if previous is not none %}
left join previous_members
    on
        consenting.audience_name = previous_members.audience_name
        and consenting.subject_type = previous_members.subject_type
        and consenting.subject_id = previous_members.subject_id
{%- endif %}
