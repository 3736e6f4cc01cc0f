-- One row per lead created before the current as-of date: its custom CRM traits (raw table `traits`,
-- subject_type lead) and those of its account (subject_type account) as feature columns, point in
-- time: per trait the latest value recorded before the end of the lead's activity window
-- (int_lead_activity_aggregated; never after the as-of date), the instant its activity and consent
-- features are taken at (ties at one instant: the smallest value, deterministic). Columns: one per
-- trait of trait_registry (`trait_<name>` for the lead's own, `account_trait_<name>` for its
-- account's), numeric traits as double, categorical ones as category text; none without traits.
-- depends_on: {{ ref('trait_registry') }}
{%- set lead_columns = trait_feature_columns('lead') %}
{%- set account_columns = trait_feature_columns('account') %}

with

leads as (
    select * from {{ ref('stg_crm__leads') }}
),

lead_windows as (
    select * from {{ ref('int_lead_activity_aggregated') }}
),

traits as (
    select * from {{ ref('stg_crm__traits') }}
),

subject_windows as (
    select
        lead_windows.lead_id,
        'lead' as subject_type,
        lead_windows.lead_id as subject_id,
        lead_windows.activity_window_end_at
    from lead_windows
    union all
    select
        lead_windows.lead_id,
        'account' as subject_type,
        leads.account_id as subject_id,
        lead_windows.activity_window_end_at
    from lead_windows
    inner join leads
        on lead_windows.lead_id = leads.lead_id
    where leads.account_id is not null
),

latest_values as (
    select
        subject_windows.lead_id,
        subject_windows.subject_type,
        traits.trait,
        traits.trait_value
    from subject_windows
    inner join traits
        on
            subject_windows.subject_type = traits.subject_type
            and subject_windows.subject_id = traits.subject_id
            and subject_windows.activity_window_end_at > traits.recorded_at
    qualify row_number() over (
            partition by subject_windows.lead_id, subject_windows.subject_type, traits.trait
            order by traits.recorded_at desc, traits.trait_value asc nulls last
        ) = 1
),

lead_values as (
    select * from latest_values
    where subject_type = 'lead'
),

account_values as (
    select * from latest_values
    where subject_type = 'account'
),

lead_traits as (
    {{ trait_values_pivoted('lead_values', ['lead_id'], lead_columns) }}
),

account_traits as (
    {{ trait_values_pivoted('account_values', ['lead_id'], account_columns) }}
)

select
    ---------- ids
    lead_windows.lead_id,
    ---------- trait features (columns from trait_registry)
    {{- trait_column_list(lead_columns, 'lead_traits') }}
    {{- trait_column_list(account_columns, 'account_traits') }}
    ---------- numerics
    cast(coalesce(lead_traits.traits_known, 0) + coalesce(account_traits.traits_known, 0) as integer)
        as traits_known
from lead_windows
left join lead_traits
    on lead_windows.lead_id = lead_traits.lead_id
left join account_traits
    on lead_windows.lead_id = account_traits.lead_id
