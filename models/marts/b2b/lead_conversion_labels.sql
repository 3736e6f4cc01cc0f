-- One row per lead created before the current as-of date: whether its conversion outcome is known and
-- what it is. Horizon h = var lead_conversion_horizon_days (default 90). A lead is labelled when the
-- whole half-open horizon [created_at, created_at + h days) lies before as_of_at; it is positive when
-- converted_at < created_at + h days (a converted_at before created_at, a late CRM record, counts as
-- converted). Unlabelled leads have a null label: their outcome is still open. Conversions at or after
-- as_of_at are not known yet and ignored.
{%- set horizon_days = var('lead_conversion_horizon_days') %}

with

leads as (
    select * from {{ ref('stg_crm__leads') }}
),

snapshot_dates as (
    select * from {{ ref('int_snapshot_dates') }}
),

observed as (
    select
        leads.lead_id,
        leads.lead_status,
        leads.created_at + {{ days_interval(horizon_days) }} <= snapshot_dates.as_of_at as is_labelled,
        snapshot_dates.as_of_date,
        leads.created_at,
        case when leads.converted_at < snapshot_dates.as_of_at then leads.converted_at end as converted_at
    from leads
    inner join snapshot_dates
        on leads.created_at < snapshot_dates.as_of_at
    where snapshot_dates.snapshot_name = 'current'
)

select
    ---------- ids
    lead_id,
    ---------- strings
    lead_status,
    ---------- numerics
    cast({{ horizon_days }} as integer) as conversion_horizon_days,
    cast({{ date_difference('second', 'created_at', 'converted_at') }} / 86400 as double) as days_to_conversion,
    ---------- booleans
    converted_at is not null as is_converted,
    is_labelled,
    case
        when is_labelled then coalesce(converted_at < created_at + {{ days_interval(horizon_days) }}, false)
    end as is_converted_within_horizon,
    ---------- dates
    as_of_date,
    ---------- timestamps
    created_at,
    converted_at
from observed
