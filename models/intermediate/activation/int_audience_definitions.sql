-- the audience definitions of the seed, typed for matching: lists split on '|', the default consent
-- purpose applied, the grade upper-cased
with

definitions as (
    select * from {{ ref('audience_definitions') }}
),

typed as (
    select
        ---------- ids
        audience_name,
        destination_audience_id,
        ---------- strings
        description,
        subject_type,
        destination,
        coalesce(consent_purpose, '{{ var("activation_default_consent_purpose") }}') as consent_purpose,
        refresh,
        sync_mode,
        ---------- the rule
        {{ split_text(regexp_replace_all('segment_ids', '\s', ''), '|') }} as segment_ids,
        {{ split_text(regexp_replace_all('segment_names', '\s*\|\s*', '|'), '|') }} as segment_names,
        {{ split_text(regexp_replace_all('rfm_segments', '\s', ''), '|') }} as rfm_segments,
        upper(trim(min_grade)) as min_grade,
        min_probability,
        max_priority_rank,
        ---------- booleans
        is_active
    from definitions
)

select * from typed
