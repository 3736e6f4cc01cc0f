{{ config(
    materialized='table', pre_hook="{{ raw_rejects_scan('customers') }}", post_hook="{{ drop_staged_steps() }}"
) }}

with

{{ typed_raw_rows('crm', 'customers') }},

country_lookups as (
    select * from {{ ref('stg_reference__country_lookups') }}
),

normalized as not materialized (
    select
        typed.* exclude (email, country_code, birth_date, value_issues),  -- noqa: RF02
        {{ normalize_email('typed.email') }} as email_normalized,
        case
            when {{ is_valid_email(normalize_email('typed.email')) }} then {{ normalize_email('typed.email') }}
        end as email,
        country_lookups.country_code,
        {{ age_in_years('typed.birth_date', 'cast(' ~ build_time() ~ ' as date)') }} as age_years,
        case
            when {{ age_in_years('typed.birth_date', 'cast(' ~ build_time() ~ ' as date)') }} between 0 and 120
                then typed.birth_date
        end as birth_date,
        {{ combined_issues('typed.value_issues', value_issues([
            ('email_normalized is not null and not ' ~ is_valid_email('email_normalized'),
             'email', 'invalid_email'),
            ('age_years not between 0 and 120', 'birth_date', 'impossible_birth_date'),
            ('typed.country_code is not null and country_lookups.country_code is null',
             'country_code', 'unknown_country_code'),
        ])) }} as value_issues
    from typed
    left join country_lookups
        on {{ country_lookup_key('typed.country_code') }} = country_lookups.lookup_key
),

checked as not materialized (
    select
        *,
        {{ first_matching_rule(contract_row_rules('crm', 'customers')) }} as first_rejection
    from normalized
),

deduplicated as (
    {{ deduplicated_rows('crm', 'customers') }}
),

merged as (
    -- survivorship: per normalized email, the earliest created customer (then smallest id) survives
    select
        *,
        case
            when rejected is null and email is not null
                then first_value(customer_id) over (
                        partition by email, rejected is null
                        order by created_at asc nulls last, customer_id asc
                    )
            when rejected is null then customer_id
        end as survivor_customer_id
    from deduplicated
),

final as (
    select
        * exclude (rejected),
        coalesce(
            rejected,
            case
                when survivor_customer_id != customer_id
                    then {{ rejection('duplicate_email', 'email') }}
            end
        ) as rejected
    from merged
)

select
    customer_id,
    survivor_customer_id,
    account_id,
    email,
    phone,
    first_name,
    last_name,
    lower(gender) as gender,
    postal_code,
    city,
    country_code,
    birth_date,
    created_at,
    {{ quarantine_columns() }}
from final
