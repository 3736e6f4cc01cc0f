{{ config(materialized='table') }}

with

raw_customers as (
    select * from {{ ref('base_crm__customers') }}
),

customer_creations as (
    select
        customer_id,
        min(created_at) as customer_created_at
    from raw_customers
    -- the record the warehouse keeps for the id: clean, or merged into a survivor by email
    where customer_id is not null and (reject_reason is null or reject_reason = 'duplicate_email')
    group by customer_id
),

typed as (
    {{ typed_raw_rows('email', 'email_events') }}
),

normalized as (
    select
        ---------- ids
        typed.event_id,
        typed.customer_id,
        typed.lead_id,
        typed.campaign_id,
        ---------- strings
        lower(typed.event_type) as event_type,
        ---------- timestamps
        typed.occurred_at,
        customer_creations.customer_created_at,
        ---------- audit
        typed.raw_record,
        typed.raw_copy_number,
        typed._raw_file,
        {{ value_issues(unparseable_value_checks('email', 'email_events')) }} as value_issues
    from typed
    left join customer_creations
        on typed.customer_id = customer_creations.customer_id
),

checked as (
    select
        *,
        {{ first_matching_rule(missing_required_checks('email', 'email_events', 'normalized') + [
            ('raw_copy_number > 1', 'duplicate_row', none),
            ("event_type not in ('sent', 'delivered', 'open', 'click', 'bounce', 'unsubscribe', 'complaint')",
             'unknown_code', 'event_type'),
            ('occurred_at > ' ~ build_time(), 'future_timestamp', 'occurred_at'),
            ('occurred_at < customer_created_at', 'event_before_subject_created', 'occurred_at'),
        ]) }} as first_rejection
    from normalized
),

deduplicated as (
    select
        *,
        {{ with_duplicate_key_rejection(
            'first_rejection', ['event_id'], 'occurred_at desc, cast(raw_record as varchar)'
        ) }} as rejected
    from checked
)

select
    event_id,
    customer_id,
    lead_id,
    campaign_id,
    event_type,
    occurred_at,
    {{ quarantine_columns() }}
from deduplicated
