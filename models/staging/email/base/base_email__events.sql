{{ config(
    materialized=event_materialization(), incremental_strategy='delete+insert', unique_key='event_id',
    pre_hook=["{{ raw_rejects_scan('email_events') }}", "{{ incremental_reset() }}"],
    post_hook="{{ drop_staged_steps() }}"
) }}

-- incremental: the raw files not loaded yet, and the loaded rows that share an event_id with them
-- (duplicate detection as in a full build; macros/raw/incremental.sql)
-- the cross-source rule (an event before its customer was created) is int_email_events_checked's
with

{{ typed_raw_rows('email', 'email_events') }},

checked as not materialized (
    select
        *,
        {{ first_matching_rule(contract_row_rules('email', 'email_events')) }} as first_rejection
    from typed
),

deduplicated as (
    {{ deduplicated_rows('email', 'email_events') }}
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
