{#-
    consent_in_force(records, opt_outs, purposes, keys, spine=none): THE consent rule of the project,
    as a query (use it as the body of a CTE). One row per subject (the `keys` columns) and purpose of
    `purposes`, with the consent in force:

      1. the latest consent record of the subject for the purpose wins; at the same `recorded_at` a
         refusal wins over a grant (the cautious reading);
      2. for a purpose with `is_withdrawn_by_email_opt_out`, an email opt-out (unsubscribe or complaint)
         at or after that record withdraws the consent (a record after the opt-out, e.g. a new
         subscription, is a new decision and wins);
      3. no record (and no withdrawing opt-out): the purpose's `is_granted_without_record` (false for every
         shipped purpose: no record = no consent).

    Arguments are relation or CTE names:
      records   columns keys + purpose, is_granted, recorded_at (every record, not only the latest)
      opt_outs  columns keys + opted_out_at (one row per unsubscribe or complaint event)
      purposes  the seed consent_purposes (purpose, is_granted_without_record, is_withdrawn_by_email_opt_out)
      keys      the subject columns, e.g. ['subject_type', 'subject_id']; add a snapshot column to
                evaluate several as-of dates at once (filter records and opt_outs before each as-of first)
      spine     relation with the keys columns: the subjects to decide for (also those with no record);
                none = the subjects present in records or opt_outs

    Output columns: keys, purpose, is_granted, decided_by (consent_record | email_opt_out | no_record),
    consent_recorded_at (the winning record's time), email_opted_out_at (the latest opt-out).
-#}
{% macro consent_in_force(records, opt_outs, purposes, keys, spine=none) -%}
    {%- set key_list = keys | join(', ') -%}
    select
        {{ key_list }},
        purpose,
        case decided_by
            when 'email_opt_out' then false
            when 'consent_record' then latest_is_granted
            else is_granted_without_record
        end as is_granted,
        decided_by,
        consent_recorded_at,
        email_opted_out_at
    from (
        select
            {%- for key in keys %}
            subjects.{{ key }},
            {%- endfor %}
            purposes.purpose,
            purposes.is_granted_without_record,
            latest.is_granted as latest_is_granted,
            latest.recorded_at as consent_recorded_at,
            opt_outs.email_opted_out_at,
            case
                when
                    purposes.is_withdrawn_by_email_opt_out
                    and opt_outs.email_opted_out_at is not null
                    and (latest.recorded_at is null or opt_outs.email_opted_out_at >= latest.recorded_at)
                    then 'email_opt_out'
                when latest.recorded_at is not null then 'consent_record'
                else 'no_record'
            end as decided_by
        from (
            {%- if spine is none %}
            select distinct {{ key_list }} from {{ records }}
            union
            select distinct {{ key_list }} from {{ opt_outs }}
            {%- else %}
            select distinct {{ key_list }} from {{ spine }}
            {%- endif %}
        ) as subjects
        cross join {{ purposes }} as purposes
        left join (
            select
                {{ key_list }},
                purpose,
                is_granted,
                recorded_at
            from {{ records }}
            qualify row_number() over (
                partition by {{ key_list }}, purpose
                order by recorded_at desc, is_granted asc
            ) = 1
        ) as latest
            on
                purposes.purpose = latest.purpose
                {%- for key in keys %}
                and subjects.{{ key }} = latest.{{ key }}
                {%- endfor %}
        left join (
            select
                {{ key_list }},
                max(opted_out_at) as email_opted_out_at
            from {{ opt_outs }}
            group by {{ key_list }}
        ) as opt_outs
            on
                true
                {%- for key in keys %}
                and subjects.{{ key }} = opt_outs.{{ key }}
                {%- endfor %}
    ) as decided
{%- endmacro %}
