with

country_codes as (
    select * from {{ ref('country_codes') }}
),

country_aliases as (
    select * from {{ ref('country_aliases') }}
),

lookup_keys as (
    select
        {{ country_lookup_key('country_code') }} as lookup_key,
        country_code
    from country_codes
    union
    select
        {{ country_lookup_key('country_code_alpha3') }} as lookup_key,
        country_code
    from country_codes
    union
    select
        {{ country_lookup_key('country_name') }} as lookup_key,
        country_code
    from country_codes
    union
    select
        {{ country_lookup_key('alias') }} as lookup_key,
        upper(trim(country_code)) as country_code
    from country_aliases
)

select
    lookup_key,
    country_code
from lookup_keys
where lookup_key is not null
