-- Erasure (README "Erasure"): no row of a subject of a standing erasure request reached the clean staging
-- models, the identity map, the customers, the audiences or the history tables. Fails with the model and
-- the number of rows, never an identifier. Nothing to check (and nothing read) without a raw
-- erasure_requests file.
{%- set active = erasure_is_active() %}
{%- set checks = [
    ('stg_crm__customers', 'customer_id', 'customer'),
    ('stg_crm__customers', 'email', 'email'),
    ('stg_crm__leads', 'lead_id', 'lead'),
    ('stg_crm__leads', 'email', 'email'),
    ('stg_crm__survey_responses', 'customer_id', 'customer'),
    ('stg_shop__orders', 'customer_id', 'customer'),
    ('stg_web__events', 'customer_id', 'customer'),
    ('stg_web__events', 'lead_id', 'lead'),
    ('stg_email__events', 'customer_id', 'customer'),
    ('stg_email__events', 'lead_id', 'lead'),
    ('int_customer_ids_mapped', 'source_customer_id', 'customer'),
    ('int_customers_resolved', 'customer_id', 'customer'),
    ('segment_membership_history', 'customer_id', 'customer'),
] %}
-- depends_on: {{ ref('stg_crm__erased_subjects') }}
-- depends_on: {{ ref('stg_crm__consents') }}
-- depends_on: {{ ref('audience_members') }}
-- depends_on: {{ ref('score_history') }}
{%- for model_name, _, _ in checks %}
-- depends_on: {{ ref(model_name) }}
{%- endfor %}

with

{% if active %}
    erased as materialized (
        select
            erasure_key_type,
            erasure_key
        from {{ ref('stg_crm__erased_subjects') }}
    ),

    leaks as (
        {%- for model_name, column_name, key_type in checks %}
            select
                '{{ model_name }}.{{ column_name }}' as found_in,
                count(*) as erased_rows
            from {{ ref(model_name) }}
            where
                {{ column_name }} in (
                    select erased.erasure_key from erased
                    where erased.erasure_key_type = '{{ key_type }}'
                )
            union all
        {%- endfor %}
        select
            'stg_crm__consents' as found_in,
            count(*) as erased_rows
        from {{ ref('stg_crm__consents') }} as consents
        inner join erased
            on consents.subject_type = erased.erasure_key_type and consents.subject_id = erased.erasure_key
        union all
        select
            'audience_members' as found_in,
            count(*) as erased_rows
        from {{ ref('audience_members') }} as members
        inner join erased
            on members.subject_type = erased.erasure_key_type and members.subject_id = erased.erasure_key
        union all
        select
            'score_history' as found_in,
            count(*) as erased_rows
        from {{ ref('score_history') }} as scores
        inner join erased
            on
                scores.subject_id = erased.erasure_key
                and erased.erasure_key_type in ('customer', 'lead')
    )
{% else %}
    leaks as (
        select
            cast(null as varchar) as found_in,
            cast(0 as bigint) as erased_rows
        where false
    )
{% endif %}

select
    found_in,
    erased_rows
from leaks
where erased_rows > 0
