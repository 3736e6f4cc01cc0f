{#- Shared normalizations, one definition each. -#}

{#- Emails: trimmed and lowercased; null when empty. -#}
{% macro normalize_email(column) -%}
    nullif(lower(trim({{ column }})), '')
{%- endmacro %}


{#- A plausible address: local@domain.tld, no spaces, one @. Applied to a normalized email. -#}
{% macro is_valid_email(column) -%}
    {{ return(adapter.dispatch('is_valid_email')(column)) }}
{%- endmacro %}

{% macro default__is_valid_email(column) -%}
    regexp_full_match({{ column }}, '[a-z0-9._%+''-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}')
{%- endmacro %}

{#- Spark (issue 14): the same pattern, anchored; backslash is the escape of Spark's string literals -#}
{% macro spark__is_valid_email(column) -%}
    regexp_like({{ column }}, '^[a-z0-9._%+\'-]+@[a-z0-9-]+(\\.[a-z0-9-]+)*\\.[a-z]{2,}$')
{%- endmacro %}


{#- Lookup key for a country text (code, alpha-3 or name): trimmed, lowercased. -#}
{% macro country_lookup_key(column) -%}
    nullif(lower(trim({{ column }})), '')
{%- endmacro %}


{#- Age in whole years at a date. -#}
{% macro age_in_years(birth_date, at_date) -%}
    {{ return(adapter.dispatch('age_in_years')(birth_date, at_date)) }}
{%- endmacro %}

{% macro default__age_in_years(birth_date, at_date) -%}
    date_diff('year', {{ birth_date }}, {{ at_date }})
        - case when strftime({{ at_date }}, '%m%d') < strftime({{ birth_date }}, '%m%d') then 1 else 0 end
{%- endmacro %}

{% macro spark__age_in_years(birth_date, at_date) -%}
    year({{ at_date }}) - year({{ birth_date }})
        - case when date_format({{ at_date }}, 'MMdd') < date_format({{ birth_date }}, 'MMdd') then 1 else 0 end
{%- endmacro %}


{#-
    The consent in force among a subject's records for one purpose: the latest record wins; at the
    same recorded_at a refusal wins (the cautious reading). A qualify condition, partitioned by the
    given columns. Used for the consent in force now and at each snapshot date.
-#}
{% macro is_consent_in_force(partition_columns) -%}
    row_number() over (
        partition by {{ partition_columns | join(', ') }}
        order by recorded_at desc, is_granted asc
    ) = 1
{%- endmacro %}
