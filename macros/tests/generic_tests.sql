{#-
    Generic data tests of this project (dbt_utils is not available here; these are our own).

    expression_is_true: every row satisfies `expression` (rows where it is false or null fail); usable on
        a model or on a column (the expression then names the column itself).
        data_tests: [{expression_is_true: {arguments: {expression: "raw_rows = clean_rows + quarantined_rows"}}}]
    accepted_range: the column lies within [min_value, max_value] (either bound optional); nulls pass.
    unique_combination_of_columns: no two rows share the listed columns.
    sums_to: the column sums to `total` within `tolerance`, per `group_by` columns if given.
-#}

{% test expression_is_true(model, expression, column_name=none) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{% endtest %}


{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}
{%- set lower = '>=' if inclusive else '>' -%}
{%- set upper = '<=' if inclusive else '<' -%}
select *
from {{ model }}
where
    {{ column_name }} is not null
    and not (
        true
        {%- if min_value is not none %} and {{ column_name }} {{ lower }} {{ min_value }}{% endif %}
        {%- if max_value is not none %} and {{ column_name }} {{ upper }} {{ max_value }}{% endif %}
    )
{% endtest %}


{% test unique_combination_of_columns(model, combination_of_columns) %}
select
    {{ combination_of_columns | join(', ') }},
    count(*) as duplicate_rows
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1
{% endtest %}


{% test sums_to(model, column_name, total=1, tolerance=0.000000001, group_by=none) %}
select
    {%- if group_by %} {{ group_by | join(', ') }},{% endif %}
    sum({{ column_name }}) as column_total
from {{ model }}
{%- if group_by %}
group by {{ group_by | join(', ') }}
{%- endif %}
having abs(sum({{ column_name }}) - {{ total }}) > {{ tolerance }}
{% endtest %}
