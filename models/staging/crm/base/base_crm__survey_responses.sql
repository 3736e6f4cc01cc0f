{{ config(
    materialized='table', pre_hook="{{ raw_rejects_scan('survey_responses') }}", post_hook="{{ drop_staged_steps() }}"
) }}

with

{{ typed_raw_rows('crm', 'survey_responses') }},

checked as not materialized (
    select
        *,
        {{ first_matching_rule(contract_row_rules('crm', 'survey_responses')) }} as first_rejection
    from typed
),

deduplicated as (
    {{ deduplicated_rows('crm', 'survey_responses') }}
)

select
    customer_id,
    question_key,
    lower(answer) as answer,
    answered_at,
    {{ quarantine_columns() }}
from deduplicated
