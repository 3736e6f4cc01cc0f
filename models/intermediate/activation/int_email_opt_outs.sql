-- one row per email opt-out (unsubscribe or complaint) and the subject it concerns: the customer
-- (resolved to the survivor) and/or the lead the email went to
with

email_events as (
    select * from {{ ref('int_email_events_identified') }}
),

opt_out_events as (
    select * from email_events
    where event_type in ('unsubscribe', 'complaint')
),

subjects as (
    select
        event_id,
        'customer' as subject_type,
        customer_id as subject_id,
        event_type,
        occurred_at as opted_out_at
    from opt_out_events
    where customer_id is not null
    union all
    select
        event_id,
        'lead' as subject_type,
        lead_id as subject_id,
        event_type,
        occurred_at as opted_out_at
    from opt_out_events
    where lead_id is not null
)

select * from subjects
