{{ config(materialized='table') }}

with

typed as (
    {{ typed_raw_rows('crm', 'consents') }}
),

normalized as (
    select
        ---------- ids
        subject_id,
        ---------- strings
        lower(subject_type) as subject_type,
        lower(purpose) as purpose,
        ---------- booleans
        granted,
        ---------- timestamps
        recorded_at,
        ---------- audit
        raw_record,
        raw_copy_number,
        _raw_file,
        {{ value_issues(unparseable_value_checks('crm', 'consents')) }} as value_issues
    from typed
),

checked as (
    select
        *,
        {{ first_matching_rule(missing_required_checks('crm', 'consents', 'normalized') + [
            ('raw_copy_number > 1', 'duplicate_row', none),
            ("subject_type not in ('customer', 'lead')", 'unknown_code', 'subject_type'),
            ("purpose not in ('email_marketing', 'ad_targeting', 'profiling')", 'unknown_code', 'purpose'),
            ('recorded_at > ' ~ build_time(), 'future_timestamp', 'recorded_at'),
        ]) }} as rejected
    from normalized
)

select
    subject_type,
    subject_id,
    purpose,
    granted as is_granted,
    recorded_at,
    {{ quarantine_columns() }}
from checked
