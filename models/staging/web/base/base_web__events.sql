{{ config(
    materialized=event_materialization(), incremental_strategy='delete+insert', unique_key='event_id',
    pre_hook=["{{ raw_rejects_scan('web_events') }}", "{{ incremental_reset() }}"],
    post_hook="{{ drop_staged_steps() }}"
) }}

-- incremental: the raw files not loaded yet, and the loaded rows that share an event_id with them
-- (duplicate detection as in a full build; macros/raw/incremental.sql)
with

{{ typed_raw_rows('web', 'web_events') }},

checked as not materialized (
    select
        *,
        {{ first_matching_rule(contract_row_rules('web', 'web_events')) }} as first_rejection
    from typed
),

deduplicated as (
    {{ deduplicated_rows('web', 'web_events') }}
)

select
    event_id,
    anonymous_id,
    customer_id,
    lead_id,
    event_type,
    page_url,
    lower(device_type) as device_type,
    lower(utm_source) as utm_source,
    lower(utm_medium) as utm_medium,
    lower(utm_campaign) as utm_campaign,
    occurred_at,
    {{ quarantine_columns() }}
from deduplicated
