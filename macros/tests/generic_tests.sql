{#-
    Generic data tests of this project (dbt_utils is not available here; these are our own).

    expression_is_true: every row satisfies `expression` (rows where it is false or null fail); usable on
        a model or on a column (the expression then names the column itself).
        data_tests: [{expression_is_true: {arguments: {expression: "raw_rows = clean_rows + quarantined_rows"}}}]
    accepted_range: the column lies within [min_value, max_value] (either bound optional); nulls pass.
    unique_combination_of_columns: no two rows share the listed columns.
    sums_to: the column sums to `total` within `tolerance`, per `group_by` columns if given.
    contract_codes: the column holds only the codes the raw contract lists for a source column (meta codes
        or open_codes; compared as staging writes them, lowercased); nulls pass. The contract is the one
        place a code list is written.
        data_tests: [{contract_codes: {arguments: {source_name: web, table_name: web_events}}}]
    raw_contract_names: the column holds only table names (part: table) or source names (part: source) of
        the raw contract, or one of `extra_values`.
    is_empty: the model has no rows (each row is a finding, e.g. an orphan consent).
    column_ranges: the accepted ranges of several columns of a model in one test (below).
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


{% test contract_codes(model, column_name, source_name, table_name, contract_column=none) %}
{%- set column = raw_contract_column(source_name, table_name, contract_column or column_name) -%}
{%- set codes = (column.get('codes') or column.get('open_codes') or []) | map('lower') | list -%}
{%- if execute and not codes -%}
    {{ exceptions.raise_compiler_error(
        "contract_codes: " ~ source_name ~ "." ~ table_name ~ "." ~ (contract_column or column_name)
        ~ " has no meta codes or open_codes in the contract"
    ) }}
{%- endif -%}
select
    {{ column_name }} as value_field,
    count(*) as n_records
from {{ model }}
where
    {{ column_name }} is not null
    {%- if codes %}
    and {{ column_name }} not in ({% for code in codes %}{{ sql_string(code) }}{{ ', ' if not loop.last }}{% endfor %})
    {%- endif %}
group by {{ column_name }}
{% endtest %}


{% test raw_contract_names(model, column_name, part='table', extra_values=[]) %}
{%- set names = extra_values | list -%}
{%- for raw in raw_tables() -%}
    {%- do names.append(raw.table if part == 'table' else raw.source) -%}
{%- endfor -%}
select
    {{ column_name }} as value_field,
    count(*) as n_records
from {{ model }}
where {{ column_name }} not in ({% for name in names | unique %}{{ sql_string(name) }}{{ ', ' if not loop.last }}{% endfor %})
group by {{ column_name }}
{% endtest %}


{% test is_empty(model) %}
select * from {{ model }}
{% endtest %}


{#-
    column_ranges: the range checks of a model in one test (instead of one accepted_range per column):
    `ranges` maps a column to {min_value, max_value} (either optional, inclusive; nulls pass). Each failing
    row names the column, how many rows are out of its range and the smallest and largest value seen.
        data_tests: [{column_ranges: {arguments: {ranges: {events: {min_value: 0}, share: {min_value: 0, max_value: 1}}}}}]
-#}
{% test column_ranges(model, ranges) %}
{%- for column_name, bounds in ranges.items() %}
select
    '{{ column_name }}' as column_name,
    count(*) as rows_out_of_range,
    cast(min({{ column_name }}) as varchar) as smallest_value,
    cast(max({{ column_name }}) as varchar) as largest_value
from {{ model }}
where
    {{ column_name }} is not null
    and not (
        true
        {%- if bounds.get('min_value') is not none %} and {{ column_name }} >= {{ bounds.min_value }}{% endif %}
        {%- if bounds.get('max_value') is not none %} and {{ column_name }} <= {{ bounds.max_value }}{% endif %}
    )
having count(*) > 0
{{- '\nunion all' if not loop.last }}
{%- endfor %}
{% endtest %}
