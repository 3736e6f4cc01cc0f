{#-
    Every raw contract table with its staging base model: the one list the data-quality marts
    (quarantine, reconciliation, completeness) iterate over. Add a row here with a new source table.
-#}
{% macro raw_tables() -%}
    {{ return([
        {'source': 'crm', 'table': 'customers', 'base': 'base_crm__customers', 'staging': 'stg_crm__customers'},
        {'source': 'crm', 'table': 'leads', 'base': 'base_crm__leads', 'staging': 'stg_crm__leads'},
        {'source': 'crm', 'table': 'consents', 'base': 'base_crm__consents', 'staging': 'stg_crm__consents'},
        {'source': 'crm', 'table': 'survey_responses', 'base': 'base_crm__survey_responses',
         'staging': 'stg_crm__survey_responses'},
        {'source': 'shop', 'table': 'orders', 'base': 'base_shop__orders', 'staging': 'stg_shop__orders'},
        {'source': 'shop', 'table': 'order_items', 'base': 'base_shop__order_items',
         'staging': 'stg_shop__order_items'},
        {'source': 'web', 'table': 'web_events', 'base': 'base_web__events', 'staging': 'stg_web__events'},
        {'source': 'email', 'table': 'email_events', 'base': 'base_email__events', 'staging': 'stg_email__events'},
        {'source': 'firmographics', 'table': 'accounts', 'base': 'base_firmographics__accounts',
         'staging': 'stg_firmographics__accounts'},
    ]) }}
{%- endmacro %}


{#- The clean rows of a base model: what the staging model exposes. -#}
{% macro clean_rows(base_relation) -%}
    select * exclude (reject_reason, reject_column, value_issues, raw_values, _raw_file)
    from {{ base_relation }}
    where reject_reason is null
{%- endmacro %}
