with

survey_responses as (
    {{ clean_rows(ref('base_crm__survey_responses')) }}
)

select * from survey_responses
