-- Email engagement per snapshot and customer, from the customer's email events before as_of_at (all
-- history before the snapshot), summed from the daily rollup int_customer_email_days_aggregated (its
-- days before as_of_date). An email is a (customer, campaign); events without a campaign are each
-- their own email. Rates are per delivered email and lie in [0, 1]: an email counts as delivered when
-- it has a delivered event, or an open or click (proof of delivery when the ESP lost the delivered
-- event); open rate = delivered emails opened / delivered emails, click rate = delivered emails
-- clicked / delivered emails (click-through, not click-to-open); an open or click makes its email
-- delivered, so "delivered and opened" is "opened". Only customers with at least one email event
-- before the snapshot have a row.
with

email_days as (
    select * from {{ ref('int_customer_email_days_aggregated') }}
),

snapshot_dates as (
    select * from {{ ref('int_snapshot_dates') }}
),

customers as (
    select
        snapshot_dates.snapshot_name,
        email_days.customer_id,
        cast(sum(email_days.emails_sent) as bigint) as emails_sent,
        cast(sum(email_days.emails_delivered) as bigint) as emails_delivered,
        cast(sum(email_days.emails_opened) as bigint) as emails_opened,
        cast(sum(email_days.emails_clicked) as bigint) as emails_clicked,
        cast(sum(email_days.email_bounces) as bigint) as email_bounces,
        sum(email_days.email_unsubscribes) > 0 as is_email_unsubscribed,
        sum(email_days.email_complaints) > 0 as has_email_complained,
        max(snapshot_dates.as_of_date) as as_of_date,
        max(email_days.last_opened_at) as last_opened_at,
        max(email_days.last_clicked_at) as last_clicked_at
    from email_days
    inner join snapshot_dates
        on email_days.activity_date < snapshot_dates.as_of_date
    group by snapshot_dates.snapshot_name, email_days.customer_id
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
