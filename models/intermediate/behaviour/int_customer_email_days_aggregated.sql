-- Email activity per customer and UTC day, over all history: the rollup every snapshot's email features
-- are summed from (int_customer_email_activity_aggregated keeps the days before its as-of date, which
-- are exactly the events before its as_of_at, a midnight). An email is a (customer, campaign); events
-- without a campaign are each their own email. An email counts on the day of its first sent event as
-- sent, on the day of its first delivered, open or click event as delivered (an open or click proves
-- delivery), and on the days of its first open and first click as opened and clicked: as of any date,
-- an email is sent, delivered, opened or clicked exactly when that day lies before it.
-- Incremental: every day of the affected customers is summed again from all their events; a customer
-- is affected when an event or a stored day of theirs lies in the window (incremental_window_start:
-- the latest day held minus incremental_lookback_days).
{{ config(
    materialized=event_materialization(), incremental_strategy='keys_and_window', unique_key='customer_id',
    incremental_window_column='activity_date'
) }}
{%- set affected_customers = "customer_id in (select affected_customers.customer_id from affected_customers)" %}

with

{% if is_incremental() -%}
affected_customers as materialized (
    select customer_id
    from {{ ref('int_email_events_identified') }}
    where
        customer_id is not null
        and occurred_at >= {{ incremental_window_start(this, 'activity_date') }}
    union
    select customer_id
    from {{ this }}
    where activity_date >= {{ incremental_window_start(this, 'activity_date') }}
),

{% endif -%}
-- the events are imported once per use: DuckDB would copy a CTE that is read more than once
email_events as (
    select * from {{ ref('int_email_events_identified') }}
    {%- if is_incremental() %}
    where {{ affected_customers }}
    {%- endif %}
),

email_events_by_day as (
    select * from {{ ref('int_email_events_identified') }}
    {%- if is_incremental() %}
    where {{ affected_customers }}
    {%- endif %}
),

emails as (
    select
        customer_id,
        campaign_id,
        case when campaign_id is null then event_id end as uncampaigned_event_id,
        cast(min(occurred_at) filter (where event_type = 'sent') as date) as sent_date,
        cast(min(occurred_at) filter (where event_type in ('delivered', 'open', 'click')) as date)
            as delivered_date,
        cast(min(occurred_at) filter (where event_type = 'open') as date) as opened_date,
        cast(min(occurred_at) filter (where event_type = 'click') as date) as clicked_date
    from email_events
    where customer_id is not null
    group by customer_id, campaign_id, case when campaign_id is null then event_id end
),

email_milestones as (
    select
        customer_id,
        sent_date as activity_date,
        'sent' as milestone
    from emails
    where sent_date is not null
    union all
    select
        customer_id,
        delivered_date as activity_date,
        'delivered' as milestone
    from emails
    where delivered_date is not null
    union all
    select
        customer_id,
        opened_date as activity_date,
        'opened' as milestone
    from emails
    where opened_date is not null
    union all
    select
        customer_id,
        clicked_date as activity_date,
        'clicked' as milestone
    from emails
    where clicked_date is not null
),

milestone_days as (
    select
        customer_id,
        activity_date,
        count_if(milestone = 'sent') as emails_sent,
        count_if(milestone = 'delivered') as emails_delivered,
        count_if(milestone = 'opened') as emails_opened,
        count_if(milestone = 'clicked') as emails_clicked
    from email_milestones
    group by customer_id, activity_date
),

event_days as (
    select
        customer_id,
        cast(occurred_at as date) as activity_date,
        count(*) as email_events,
        count_if(event_type = 'bounce') as email_bounces,
        count_if(event_type = 'unsubscribe') as email_unsubscribes,
        count_if(event_type = 'complaint') as email_complaints,
        max(occurred_at) filter (where event_type = 'open') as last_opened_at,
        max(occurred_at) filter (where event_type = 'click') as last_clicked_at
    from email_events_by_day
    where customer_id is not null
    group by customer_id, cast(occurred_at as date)
)

select
    ---------- ids
    event_days.customer_id,
    ---------- numerics
    cast(event_days.email_events as integer) as email_events,
    cast(coalesce(milestone_days.emails_sent, 0) as integer) as emails_sent,
    cast(coalesce(milestone_days.emails_delivered, 0) as integer) as emails_delivered,
    cast(coalesce(milestone_days.emails_opened, 0) as integer) as emails_opened,
    cast(coalesce(milestone_days.emails_clicked, 0) as integer) as emails_clicked,
    cast(event_days.email_bounces as integer) as email_bounces,
    cast(event_days.email_unsubscribes as integer) as email_unsubscribes,
    cast(event_days.email_complaints as integer) as email_complaints,
    ---------- dates
    event_days.activity_date,
    ---------- timestamps
    event_days.last_opened_at,
    event_days.last_clicked_at
from event_days
left join milestone_days
    on
        event_days.customer_id = milestone_days.customer_id
        and event_days.activity_date = milestone_days.activity_date
