{#-
    distinct_values(relation, column, where='true'): the sorted distinct values of one column of a
    model, read at run time (the lists some SQL models are generated from: the features of a fitted
    model, the registry's features). Returns [] while dbt parses, and when the relation does not
    exist yet (a fresh warehouse being compiled, e.g. by sqlfluff), so compiling never needs data.
-#}
{% macro distinct_values(relation, column, where='true') -%}
    {%- set found = _relation_query(
        relation, 'select distinct ' ~ column ~ ' from ' ~ relation ~ ' where ' ~ where ~ ' order by 1'
    ) -%}
    {{ return(found.columns[0].values() | list if found is not none else []) }}
{%- endmacro %}


{#-
    relation_rows(relation, columns, where='true'): the rows (sorted by the columns) of some columns of a
    model, read at run time like distinct_values; each row is read by column name (row['name']).
    Returns [] while dbt parses and when the relation does not exist yet.
-#}
{% macro relation_rows(relation, columns, where='true') -%}
    {%- set found = _relation_query(
        relation,
        'select ' ~ columns | join(', ') ~ ' from ' ~ relation ~ ' where ' ~ where
        ~ ' order by ' ~ columns | join(', ')
    ) -%}
    {{ return(found.rows | list if found is not none else []) }}
{%- endmacro %}


{#- _relation_query(relation, sql): the agate table of `sql`, or none while dbt parses or before `relation` exists. -#}
{% macro _relation_query(relation, sql) -%}
    {%- if not execute or load_relation(relation) is none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(run_query(sql)) }}
{%- endmacro %}
