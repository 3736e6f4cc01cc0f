{{ config(materialized='table') }}

with

typed as (
    {{ typed_raw_rows('web', 'web_events') }}
),

normalized as (
    select
        ---------- ids
        event_id,
        anonymous_id,
        customer_id,
        lead_id,
        ---------- strings
        lower(event_type) as event_type,
        page_url,
        lower(device_type) as device_type,
        lower(utm_source) as utm_source,
        lower(utm_medium) as utm_medium,
        lower(utm_campaign) as utm_campaign,
        ---------- timestamps
        occurred_at,
        ---------- audit
        raw_record,
        raw_copy_number,
        _raw_file,
        {{ value_issues(unparseable_value_checks('web', 'web_events')) }} as value_issues
    from typed
),

checked as (
    select
        *,
        {{ first_matching_rule(missing_required_checks('web', 'web_events', 'normalized') + [
            ('raw_copy_number > 1', 'duplicate_row', none),
            ("event_type not in ('page_view', 'product_view', 'add_to_cart', 'checkout', 'search', "
             ~ "'video_play', 'form_submit')", 'unknown_code', 'event_type'),
            ('occurred_at > ' ~ build_time(), 'future_timestamp', 'occurred_at'),
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
    anonymous_id,
    customer_id,
    lead_id,
    event_type,
    page_url,
    device_type,
    utm_source,
    utm_medium,
    utm_campaign,
    occurred_at,
    {{ quarantine_columns() }}
from deduplicated
