{{ config(materialized='table') }}

with

typed as (
    {{ typed_raw_rows('shop', 'orders') }}
),

normalized as (
    select
        ---------- ids
        order_id,
        customer_id,
        ---------- strings
        lower(coalesce(status, 'completed')) as order_status,
        upper(currency) as currency,
        lower(channel) as channel,
        ---------- numerics
        amount,
        ---------- timestamps
        ordered_at,
        ---------- audit
        raw_record,
        raw_copy_number,
        _raw_file,
        {{ value_issues(unparseable_value_checks('shop', 'orders')) }} as value_issues
    from typed
),

checked as (
    select
        *,
        {{ first_matching_rule(missing_required_checks('shop', 'orders', 'normalized') + [
            ('raw_copy_number > 1', 'duplicate_row', none),
            ("order_status not in ('completed', 'cancelled', 'returned')", 'unknown_code', 'status'),
            ("order_status = 'completed' and amount <= 0", 'non_positive_amount', 'amount'),
            ('ordered_at > ' ~ build_time(), 'future_timestamp', 'ordered_at'),
        ]) }} as first_rejection
    from normalized
),

deduplicated as (
    select
        *,
        {{ with_duplicate_key_rejection(
            'first_rejection', ['order_id'], 'ordered_at desc, cast(raw_record as varchar)'
        ) }} as rejected
    from checked
)

select
    order_id,
    customer_id,
    order_status,
    currency,
    channel,
    amount,
    ordered_at,
    {{ quarantine_columns() }}
from deduplicated
