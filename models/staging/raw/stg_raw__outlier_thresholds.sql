{#-
    One row per money or count column of the contract (meta outliers): the robust outlier threshold,
    fitted on ln|value| of the non-zero values of the whole raw table at each build (vars outlier_iqr_k,
    outlier_min_factor, outlier_min_values; README "Outliers").
-#}
{{ config(materialized='table') }}

{%- set outlier_columns = [] %}
{%- for raw in raw_tables() %}
    {%- for column in raw_contract(raw.source, raw.table) if column.outliers %}
        {%- do outlier_columns.append((raw.source, raw.table, column)) %}
    {%- endfor %}
{%- endfor %}

with

{% for source_name, table_name, column in outlier_columns %}
    {{ table_name }}__{{ column.name }}_values as (
        {{ raw_column_values(source_name, table_name, column) }}
    ),

{% endfor %}
column_values as (
    {%- for source_name, table_name, column in outlier_columns %}
        select
            source_name,
            table_name,
            column_name,
            ln(abs(cast(raw_value as double))) as log_value
        from {{ table_name }}__{{ column.name }}_values
        where raw_value != 0
        {{- "\n        union all" if not loop.last }}
    {%- endfor %}
    {%- if not outlier_columns %}
        select
            cast(null as varchar) as source_name,
            cast(null as varchar) as table_name,
            cast(null as varchar) as column_name,
            cast(null as double) as log_value
        where false
    {%- endif %}
),

column_names as (
    {%- for source_name, table_name, column in outlier_columns %}
        select
            '{{ source_name }}' as source_name,
            '{{ table_name }}' as table_name,
            '{{ column.name }}' as column_name
        {{- "\n        union all" if not loop.last }}
    {%- endfor %}
    {%- if not outlier_columns %}
        select
            cast(null as varchar) as source_name,
            cast(null as varchar) as table_name,
            cast(null as varchar) as column_name
        where false
    {%- endif %}
),

quartiles as (
    select
        source_name,
        table_name,
        column_name,
        count(*) as values_fitted,
        quantile_cont(log_value, 0.25) as log_q1,
        quantile_cont(log_value, 0.75) as log_q3
    from column_values
    group by source_name, table_name, column_name
),

fitted as (
    select
        column_names.source_name,
        column_names.table_name,
        column_names.column_name,
        coalesce(quartiles.values_fitted, 0) as values_fitted,
        quartiles.log_q1,
        quartiles.log_q3,
        quartiles.log_q3 - quartiles.log_q1 as log_iqr,
        cast({{ var('outlier_iqr_k') if var('outlier_iqr_k') is not none else 'null' }} as double) as iqr_k,
        cast({{ var('outlier_min_factor') }} as double) as min_factor
    from column_names
    left join quartiles
        on
            column_names.table_name = quartiles.table_name
            and column_names.column_name = quartiles.column_name
)

select
    source_name,
    table_name,
    column_name,
    values_fitted,
    log_q1,
    log_q3,
    log_iqr,
    iqr_k,
    min_factor,
    case
        when values_fitted >= {{ var('outlier_min_values') }}
            then exp(log_q3 + greatest(iqr_k * log_iqr, ln(min_factor)))
    end as upper_threshold
from fitted
