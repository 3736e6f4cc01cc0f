{#-
    Schemas by layer, without the target-schema prefix dbt adds by default: `staging`,
    `intermediate`, `reference` (seeds), and `main` for the marts that BI tools read.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}
