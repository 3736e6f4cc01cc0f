{#-
    Formulas of the customer feature models, one definition each (ratios and day counts use
    safe_ratio and days_since of macros/behaviour/activity_windows.sql).

    quintile_score(order_by, partition_by): a 1..5 score by quintile of `order_by` (ascending: the
        last row scores 5) within `partition_by`: least(5, 1 + floor(5 * percent_rank)), where
        percent_rank = (rank - 1) / (rows - 1), computed in integer arithmetic so that bucket edges
        are exact. Equal values share one rank, so equal values get equal scores (a tie takes the
        score of its lowest position) and the score does not depend on row order or ids; without
        ties it equals ntile(5). A partition of one row scores 1. Rank only the rows to be scored
        (e.g. customers with a purchase): the caller puts them in a partition of their own.
-#}
{% macro quintile_score(order_by, partition_by) -%}
    {%- set rows = 'count(*) over (partition by ' ~ partition_by ~ ')' -%}
    cast(case
        when {{ rows }} = 1 then 1
        else least(5, 1 + {{ integer_divide(
            '(5 * (rank() over (partition by ' ~ partition_by ~ ' order by ' ~ order_by ~ ') - 1))',
            '(' ~ rows ~ ' - 1)'
        ) }})
    end as integer)
{%- endmacro %}


{#-
    most_frequent(value, occurrences): aggregate over rows of (value, occurrences) with one row per
        value (counted beforehand); the value with the most occurrences, the smallest of them on a
        tie. (A mode from counts: cheaper than a histogram per group.)
-#}
{% macro most_frequent(value, occurrences) -%}
    min_by({{ value }}, {{ order_key(['-' ~ occurrences, value]) }})
{%- endmacro %}


{#-
    shannon_entropy(share, order_by): aggregate; the Shannon entropy, in nats (natural log), of the
    shares in the group: -sum(p * ln(p)) over shares p > 0 (0 * ln 0 = 0); the shares should sum to 1.
    The terms are added in `order_by` order (a list sum), so the result is the same to the last bit
    whatever the order in which parallel aggregation meets the rows.
-#}
{% macro shannon_entropy(share, order_by) -%}
    greatest(
        0.0,
        -{{ ordered_sum('case when ' ~ share ~ ' > 0 then ' ~ share ~ ' * ln(' ~ share ~ ') else 0.0 end', order_by) }}
    )
{%- endmacro %}


{#-
    spend_share_categories(): the product categories that get a spend-share column of their own
    (`spend_share_<category>`; every other category goes to `spend_share_other`).

    The list is configuration, not computed at build time: the columns of the contracted marts must
    not change with the data, and choosing them from the data would let spending after a training
    as-of date decide the training features. The default is the top 5 categories by spend of the
    demo data; override with the var `spend_share_categories` (and update the YAML of the marts:
    it is a schema change). The test `spend_share_categories_are_top` warns when the list is no
    longer the top N by spend before the training as-of date.
-#}
{% macro spend_share_categories() -%}
    {{ return(var('spend_share_categories')) }}
{%- endmacro %}


{#- category_column_suffix(category): a category name as a safe column-name suffix ([a-z0-9_]). -#}
{% macro category_column_suffix(category) -%}
    {{ return(modules.re.sub('[^a-z0-9]+', '_', category | lower).strip('_')) }}
{%- endmacro %}
