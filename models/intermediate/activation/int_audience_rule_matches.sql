-- one row per active audience and subject that satisfies the audience's rule (before consent): every
-- criterion the definition sets must hold, any value of a list criterion will do. Carries the values
-- the rule was evaluated on, so audience_members can show (and its tests re-check) why a subject is in.
{%- set priority_rank = 'segment_priorities.priority_rank' if var('activation_priority_model') is not none
    else 'cast(null as integer)' %}
with

definitions as (
    select * from {{ ref('int_audience_definitions') }}
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

lead_features as (
    select * from {{ ref('lead_features') }}
),

lead_scores as (
    select * from {{ ref('lead_scores') }}
),

{%- if var('activation_priority_model') is not none %}

segment_priorities as (
    select * from {{ ref(var('activation_priority_model')) }}
),
{%- endif %}

customer_candidates as (
    select
        'customer' as subject_type,
        customer_rfm.customer_id as subject_id,
        customer_segments.segment_id,
        customer_segments.segment_name,
        customer_rfm.rfm_segment,
        propensity_scores.grade,
        propensity_scores.probability,
        {{ priority_rank }} as priority_rank
    from customer_rfm
    left join customer_segments
        on customer_rfm.customer_id = customer_segments.customer_id
    left join propensity_scores
        on customer_rfm.customer_id = propensity_scores.customer_id
    {%- if var('activation_priority_model') is not none %}
    left join segment_priorities
        on customer_rfm.customer_id = segment_priorities.customer_id
    {%- endif %}
),

lead_candidates as (
    select
        'lead' as subject_type,
        lead_features.lead_id as subject_id,
        cast(null as bigint) as segment_id,
        cast(null as varchar) as segment_name,
        cast(null as varchar) as rfm_segment,
        lead_scores.grade,
        lead_scores.probability,
        cast(null as integer) as priority_rank
    from lead_features
    left join lead_scores
        on lead_features.lead_id = lead_scores.lead_id
),

candidates as (
    select * from customer_candidates
    union all
    select * from lead_candidates
),

matches as (
    select
        definitions.audience_name,
        candidates.subject_type,
        candidates.subject_id,
        definitions.consent_purpose,
        candidates.segment_id,
        candidates.segment_name,
        candidates.rfm_segment,
        candidates.grade,
        candidates.probability,
        candidates.priority_rank
    from definitions
    inner join candidates
        on definitions.subject_type = candidates.subject_type
    where
        definitions.is_active
        and (
            definitions.segment_ids is null
            or {{ list_contains_value("definitions.segment_ids", "cast(candidates.segment_id as varchar)") }}
        )
        and (
            definitions.segment_names is null
            or {{ list_contains_value("definitions.segment_names", "candidates.segment_name") }}
        )
        and (
            definitions.rfm_segments is null
            or {{ list_contains_value("definitions.rfm_segments", "candidates.rfm_segment") }}
        )
        and (definitions.min_grade is null or candidates.grade <= definitions.min_grade)
        and (definitions.min_probability is null or candidates.probability >= definitions.min_probability)
        and (definitions.max_priority_rank is null or candidates.priority_rank <= definitions.max_priority_rank)
)

select * from matches
