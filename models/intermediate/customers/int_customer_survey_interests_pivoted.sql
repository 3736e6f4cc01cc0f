-- one row per snapshot and customer who answered a survey question before the as-of date: the
-- latest answer to the question `interest` (on equal times the alphabetically last one) and the number of
-- answers given. Answers without an answered_at cannot be placed in time and are left out.
with

survey_responses as (
    select * from {{ ref('stg_crm__survey_responses') }}
),

customer_ids as (
    select * from {{ ref('int_customer_ids_mapped') }}
),

snapshot_dates as (
    select * from {{ ref('int_snapshot_dates') }}
),

snapshot_answers as (
    select
        snapshot_dates.snapshot_name,
        customer_ids.customer_id,
        survey_responses.question_key,
        survey_responses.answer,
        survey_responses.answered_at
    from survey_responses
    inner join customer_ids
        on survey_responses.customer_id = customer_ids.source_customer_id
    inner join snapshot_dates
        on survey_responses.answered_at < snapshot_dates.as_of_at
)

select
    snapshot_name,
    customer_id,
    {{ max_by_skip_nulls('answer', order_key(['answered_at', 'answer'])) }}
    filter (where question_key = 'interest') as survey_interest,
    cast(count(*) as integer) as survey_answers
from snapshot_answers
group by snapshot_name, customer_id
