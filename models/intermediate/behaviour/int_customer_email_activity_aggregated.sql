-- Email engagement per snapshot and customer, from the customer's email events before as_of_at
-- (all history before the snapshot). An email is a (customer, campaign); events without a campaign
-- are each their own email. Rates are per delivered email and lie in [0, 1]: an email counts as
-- delivered when it has a delivered event, or an open or click (proof of delivery when the ESP lost
-- the delivered event); open rate = delivered emails opened / delivered emails, click rate = delivered
-- emails clicked / delivered emails (click-through, not click-to-open). Only customers with at least
-- one email event before the snapshot have a row.
with

email_events as (
    select * from {{ ref('int_email_events_identified') }}
),

snapshot_dates as (
    select * from {{ ref('int_snapshot_dates') }}
),

snapshot_events as (
    select
        snapshot_dates.snapshot_name,
        email_events.customer_id,
        coalesce('campaign:' || email_events.campaign_id, 'event:' || email_events.event_id) as email_key,
        email_events.event_type,
        snapshot_dates.as_of_date,
        email_events.occurred_at
    from email_events
    inner join snapshot_dates
        on email_events.occurred_at < snapshot_dates.as_of_at
    where email_events.customer_id is not null
),

emails as (
    select
        snapshot_name,
        customer_id,
        email_key,
        bool_or(event_type = 'sent') as is_sent,
        bool_or(event_type in ('delivered', 'open', 'click')) as is_delivered,
        bool_or(event_type = 'open') as is_opened,
        bool_or(event_type = 'click') as is_clicked,
        count_if(event_type = 'bounce') as bounces,
        bool_or(event_type = 'unsubscribe') as is_unsubscribed,
        bool_or(event_type = 'complaint') as has_complained,
        max(as_of_date) as as_of_date,
        max(occurred_at) filter (where event_type = 'open') as last_opened_at,
        max(occurred_at) filter (where event_type = 'click') as last_clicked_at
    from snapshot_events
    group by snapshot_name, customer_id, email_key
),

customers as (
    select
        snapshot_name,
        customer_id,
        count_if(is_sent) as emails_sent,
        count_if(is_delivered) as emails_delivered,
        count_if(is_delivered and is_opened) as emails_opened,
        count_if(is_delivered and is_clicked) as emails_clicked,
        sum(bounces) as email_bounces,
        bool_or(is_unsubscribed) as is_email_unsubscribed,
        bool_or(has_complained) as has_email_complained,
        max(as_of_date) as as_of_date,
        max(last_opened_at) as last_opened_at,
        max(last_clicked_at) as last_clicked_at
    from emails
    group by snapshot_name, customer_id
)

select
    ---------- ids
    snapshot_name,
    customer_id,
    ---------- numerics
    cast(emails_sent as integer) as emails_sent,
    cast(emails_delivered as integer) as emails_delivered,
    {{ safe_ratio('emails_opened', 'emails_delivered') }} as email_open_rate,
    {{ safe_ratio('emails_clicked', 'emails_delivered') }} as email_click_rate,
    cast(email_bounces as integer) as email_bounces,
    cast({{ days_since('last_opened_at', 'as_of_date') }} as integer) as days_since_last_email_open,
    cast({{ days_since('last_clicked_at', 'as_of_date') }} as integer) as days_since_last_email_click,
    ---------- booleans
    is_email_unsubscribed,
    has_email_complained
from customers
