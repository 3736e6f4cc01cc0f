{#-
    members_satisfy_audience_rules(model): the audience members test. Fails on every member row that
      * is not in an active audience of its subject type, or
      * carries rule values (segment, RFM segment, grade, probability) that differ from the marts now, or
      * whose values break a criterion of its audience's definition (re-checked here, from the marts), or
      * has not its audience's consent purpose in force (int_consents_in_force, the consent rule).
    Each failing row says why in `violation`.
-#}
{% test members_satisfy_audience_rules(model) %}
with

members as (
    select * from {{ model }}
),

definitions as (
    select * from {{ ref('int_audience_definitions') }}
),

consents as (
    select * from {{ ref('int_consents_in_force') }}
),

customer_rfm as (
    select * from {{ ref('customer_rfm') }}
),

customer_segments as (
    select * from {{ ref('customer_segments') }}
),

propensity_scores as (
    select * from {{ ref('customer_propensity_scores') }}
),

lead_scores as (
    select * from {{ ref('lead_scores') }}
),

checked as (
    select
        members.audience_name,
        members.subject_type,
        members.subject_id,
        case
            when definitions.audience_name is null then 'no such audience'
            when not definitions.is_active then 'audience inactive'
            when definitions.subject_type != members.subject_type then 'wrong subject type'
            when members.consent_purpose != definitions.consent_purpose then 'wrong consent purpose'
            when not coalesce(consents.is_granted, false) then 'consent not in force'
            when
                members.subject_type = 'customer'
                and (
                    members.segment_id is distinct from customer_segments.segment_id
                    or members.rfm_segment is distinct from customer_rfm.rfm_segment
                    or members.grade is distinct from propensity_scores.grade
                    or members.probability is distinct from propensity_scores.probability
                )
                then 'rule values differ from the customer marts'
            when
                members.subject_type = 'lead'
                and (
                    members.grade is distinct from lead_scores.grade
                    or members.probability is distinct from lead_scores.probability
                )
                then 'rule values differ from lead_scores'
            when
                definitions.segment_ids is not null
                and not coalesce({{ list_contains_value("definitions.segment_ids", "cast(members.segment_id as varchar)") }}, false)
                then 'segment id not admitted'
            when
                definitions.segment_names is not null
                and not coalesce({{ list_contains_value("definitions.segment_names", "members.segment_name") }}, false)
                then 'segment name not admitted'
            when
                definitions.rfm_segments is not null
                and not coalesce({{ list_contains_value("definitions.rfm_segments", "members.rfm_segment") }}, false)
                then 'rfm segment not admitted'
            when definitions.min_grade is not null and not coalesce(members.grade <= definitions.min_grade, false)
                then 'grade below the minimum'
            when
                definitions.min_probability is not null
                and not coalesce(members.probability >= definitions.min_probability, false)
                then 'probability below the minimum'
            when
                definitions.max_priority_rank is not null
                and not coalesce(members.priority_rank <= definitions.max_priority_rank, false)
                then 'priority rank above the maximum'
        end as violation
    from members
    left join definitions
        on members.audience_name = definitions.audience_name
    left join consents
        on
            members.subject_type = consents.subject_type
            and members.subject_id = consents.subject_id
            and members.consent_purpose = consents.purpose
    left join customer_rfm
        on members.subject_type = 'customer' and members.subject_id = customer_rfm.customer_id
    left join customer_segments
        on members.subject_type = 'customer' and members.subject_id = customer_segments.customer_id
    left join propensity_scores
        on members.subject_type = 'customer' and members.subject_id = propensity_scores.customer_id
    left join lead_scores
        on members.subject_type = 'lead' and members.subject_id = lead_scores.lead_id
)

select * from checked
where violation is not null
{% endtest %}
