{{ config(materialized='table') }}

with

typed as (
    {{ typed_raw_rows('crm', 'survey_responses') }}
),

normalized as (
    select
        ---------- ids
        customer_id,
        ---------- strings
        lower(question_key) as question_key,
        lower(answer) as answer,
        ---------- timestamps
        answered_at,
        ---------- audit
        raw_record,
        raw_copy_number,
        _raw_file,
        {{ value_issues(unparseable_value_checks('crm', 'survey_responses')) }} as value_issues
    from typed
),

checked as (
    select
        *,
        {{ first_matching_rule(missing_required_checks('crm', 'survey_responses', 'normalized') + [
            ('raw_copy_number > 1', 'duplicate_row', none),
        ]) }} as rejected
    from normalized
)

select
    customer_id,
    question_key,
    answer,
    answered_at,
    {{ quarantine_columns() }}
from checked
