{#-
    Time-window and ratio formulas of the behaviour and B2B features, one definition each.

    in_last_days(ts, as_of_at, days, offset_days=0): whether `ts` lies in the half-open window
        [as_of_at - (days + offset_days) days, as_of_at - offset_days days). With offset 0 this is
        "the last `days` days before the snapshot"; `in_last_days(ts, as_of_at, 30, 30)` is the 30 days
        before those. as_of_at is midnight, so a window is whole UTC days.
    days_since(ts, as_of_date): whole days from the UTC date of `ts` to `as_of_date`; an event on the
        day before the snapshot is 1 day ago. Null when `ts` is null.
    safe_ratio(numerator, denominator): numerator / denominator as a double, null when the
        denominator is 0 or null (never inf).
    bounded_trend(recent, prior): (recent - prior) / (recent + prior), in [-1, 1]: 1 = all activity is
        recent, -1 = none is, 0 = flat; 0 when both are 0 (no activity in either window is no change).
-#}
{% macro in_last_days(ts, as_of_at, days, offset_days=0) -%}
    ({{ ts }} >= {{ as_of_at }} - {{ days_interval(days + offset_days) }}
        and {{ ts }} < {{ as_of_at }} - {{ days_interval(offset_days) }})
{%- endmacro %}


{% macro days_since(ts, as_of_date) -%}
    {{ date_difference('day', 'cast(' ~ ts ~ ' as date)', as_of_date) }}
{%- endmacro %}


{% macro safe_ratio(numerator, denominator) -%}
    cast({{ numerator }} as double) / nullif({{ denominator }}, 0)
{%- endmacro %}


{% macro bounded_trend(recent, prior) -%}
    coalesce(cast({{ recent }} - {{ prior }} as double) / nullif({{ recent }} + {{ prior }}, 0), 0.0)
{%- endmacro %}
