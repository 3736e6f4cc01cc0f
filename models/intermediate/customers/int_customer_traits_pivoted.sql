-- One row per snapshot and customer with a trait recorded before the as-of date: the custom CRM traits
-- (raw table `traits`, subject_type customer; a merged record's traits follow its surviving customer)
-- as feature columns, point in time: per trait the latest value recorded strictly before the snapshot's
-- as-of date (ties at one instant: the smallest value, deterministic). One column per customer trait of
-- trait_registry (`trait_<name>`), numeric traits as double, categorical ones as category text; none
-- without traits.
-- depends_on: {{ ref('trait_registry') }}
{%- set columns = trait_feature_columns('customer') %}

with

traits as (
    select * from {{ ref('stg_crm__traits') }}
),

customer_ids as (
    select * from {{ ref('int_customer_ids_mapped') }}
),

snapshot_dates as (
    select * from {{ ref('int_snapshot_dates') }}
),

latest_values as (
    select
        snapshot_dates.snapshot_name,
        coalesce(customer_ids.customer_id, traits.subject_id) as customer_id,
        traits.trait,
        traits.trait_value
    from traits
    left join customer_ids
        on traits.subject_id = customer_ids.source_customer_id
    inner join snapshot_dates
        on traits.recorded_at < snapshot_dates.as_of_at
    where traits.subject_type = 'customer'
    qualify row_number() over (
            partition by
                snapshot_dates.snapshot_name, coalesce(customer_ids.customer_id, traits.subject_id), traits.trait
            order by traits.recorded_at desc, traits.trait_value asc nulls last
        ) = 1
),

pivoted as (
    {{ trait_values_pivoted('latest_values', ['snapshot_name', 'customer_id'], columns) }}
)

select * from pivoted
