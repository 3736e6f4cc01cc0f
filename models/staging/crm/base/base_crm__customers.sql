{{ config(materialized='table') }}

with

country_lookups as (
    select * from {{ ref('stg_reference__country_lookups') }}
),

typed as (
    {{ typed_raw_rows('crm', 'customers') }}
),

normalized as (
    select
        typed.*,
        {{ normalize_email('typed.email') }} as email_normalized,
        {{ country_lookup_key('typed.country_code') }} as country_key,
        country_lookups.country_code as country_code_iso,
        {{ age_in_years('typed.birth_date', 'cast(' ~ build_time() ~ ' as date)') }} as age_years
    from typed
    left join country_lookups
        on {{ country_lookup_key('typed.country_code') }} = country_lookups.lookup_key
),

cleaned as (
    select
        ---------- ids
        customer_id,
        account_id,
        ---------- strings
        case when {{ is_valid_email('email_normalized') }} then email_normalized end as email,
        phone,
        first_name,
        last_name,
        lower(gender) as gender,
        postal_code,
        city,
        country_code_iso as country_code,
        ---------- dates
        case when age_years between 0 and 120 then birth_date end as birth_date,
        ---------- timestamps
        created_at,
        ---------- audit
        raw_record,
        raw_copy_number,
        _raw_file,
        {{ value_issues(unparseable_value_checks('crm', 'customers', 'normalized') + [
            ('email_normalized is not null and not ' ~ is_valid_email('email_normalized'),
             'email', 'invalid_email'),
            ('age_years not between 0 and 120', 'birth_date', 'impossible_birth_date'),
            ('country_key is not null and country_code_iso is null', 'country_code', 'unknown_country_code'),
        ]) }} as value_issues
    from normalized
),

checked as (
    select
        *,
        {{ first_matching_rule(missing_required_checks('crm', 'customers', 'cleaned') + [
            ('raw_copy_number > 1', 'duplicate_row', none),
        ]) }} as first_rejection
    from cleaned
),

deduplicated as (
    select
        *,
        {{ with_duplicate_key_rejection(
            'first_rejection', ['customer_id'], 'created_at desc nulls last, cast(raw_record as varchar)'
        ) }} as key_rejection
    from checked
),

merged as (
    -- survivorship: per normalized email, the earliest created customer (then smallest id) survives
    select
        *,
        case
            when key_rejection is null and email is not null
                then first_value(customer_id) over (
                        partition by email, key_rejection is null
                        order by created_at asc nulls last, customer_id asc
                    )
            when key_rejection is null then customer_id
        end as survivor_customer_id
    from deduplicated
),

final as (
    select
        *,
        coalesce(
            key_rejection,
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
    gender,
    postal_code,
    city,
    country_code,
    birth_date,
    created_at,
    {{ quarantine_columns() }}
from final
