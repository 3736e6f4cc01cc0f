-- The custom CRM traits (raw table `traits`) as features: one row per subject type and trait. A trait
-- whose every recorded value parses as a number is numeric, otherwise categorical (its levels follow the
-- models' rare-level rule). The feature column is `trait_<name>` on the subject's feature mart
-- (customer -> customer_features and customer_features_training, lead -> lead_features) and
-- `account_trait_<name>` on lead_features for a trait of the lead's account; <name> is the trait
-- lowercased with every run of other characters than a-z and 0-9 replaced by `_`. The uses come from the
-- var `trait_feature_uses` (per subject type; an empty list registers no feature). The pivots
-- (macro trait_feature_columns) and feature_registry read this table, so a trait needs no SQL.
{%- set uses = [] %}
{%- for subject_type, use_cases in var('trait_feature_uses').items() | sort %}
    {%- for use_case in use_cases %}
        {%- do uses.append((subject_type, use_case)) %}
    {%- endfor %}
{%- endfor %}

with

traits as (
    select * from {{ ref('stg_crm__traits') }}
),

trait_uses as (
    select
        trait_uses.subject_type,
        trait_uses.use_case
    from (
        values
        {%- for subject_type, use_case in uses %}
            ('{{ subject_type }}', '{{ use_case }}'),
        {%- endfor %}
        (null, null)
    ) as trait_uses (subject_type, use_case)
    where trait_uses.subject_type is not null
),

subject_uses as (
    select
        subject_type,
        {{ sorted_list('use_case') }} as use_cases
    from trait_uses
    group by subject_type
),

trait_values as (
    select
        subject_type,
        trait,
        count(*) as values_recorded,
        count(trait_value) as values_known,
        count(distinct subject_id) as subjects,
        count(distinct trait_value) as distinct_values,
        coalesce(bool_and(try_cast(trait_value as double) is not null) filter (where trait_value is not null), false)
            as is_numeric,
        min(recorded_at) as first_recorded_at,
        max(recorded_at) as last_recorded_at
    from traits
    group by subject_type, trait
),

named as (
    select
        *,
        case subject_type when 'account' then 'account_trait_' else 'trait_' end
        || {{ trim_characters(regexp_replace_all('lower(trait)', '[^a-z0-9]+', '_'), '_') }} as feature_name,
        case subject_type
            when 'customer' then 'customer_features'
            else 'lead_features'
        end as model_name
    from trait_values
)

select
    ---------- ids
    cast(named.subject_type as varchar) as subject_type,
    cast(named.trait as varchar) as trait,
    ---------- strings
    cast(named.model_name as varchar) as model_name,
    cast(named.feature_name as varchar) as feature_name,
    cast(case when named.is_numeric then 'numeric' else 'categorical' end as varchar) as feature_role,
    cast(coalesce(subject_uses.use_cases, {{ empty_list() }}) as {{ list_type(text_type()) }}) as use_cases,
    ---------- numerics
    cast(named.values_recorded as integer) as values_recorded,
    cast(named.values_known as integer) as values_known,
    cast(named.subjects as integer) as subjects,
    cast(named.distinct_values as integer) as distinct_values,
    ---------- timestamps
    named.first_recorded_at,
    named.last_recorded_at
from named
left join subject_uses
    on named.subject_type = subject_uses.subject_type
