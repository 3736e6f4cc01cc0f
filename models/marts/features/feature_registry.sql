{#-
    The feature registry: one row per (model, feature, use) declared in YAML as
        columns: - name: <feature>
                   meta: {feature: {role: numeric|categorical, use: [clustering, propensity, lead_scoring]}}
    Python models read their inputs from here, so a feature is added with one SQL column and one
    YAML entry. Built from the project graph at run time. The custom CRM traits (raw table `traits`)
    are registered from the data: one row per trait and use of trait_registry (no YAML, no SQL).

    It depends on every model that declares features (the `depends_on` refs at the end of this file), so `dbt build --select <mart>+`
    after adding a feature to one of them rebuilds the registry and the models that read it. A model
    that declares features but is missing there fails this model with a message saying so.
-#}
{%- set entries = [] -%}
{%- if execute -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.package_name == project_name -%}
        {%- for column_name, column in node.columns.items() -%}
            {%- set meta = column.get('meta') or column.get('config', {}).get('meta', {}) or {} -%}
            {%- set feature = meta.get('feature') -%}
            {%- if feature -%}
                {%- if node.unique_id not in model.depends_on.nodes -%}
                    {{ exceptions.raise_compiler_error(
                        "feature_registry: model '" ~ node.name ~ "' declares features in YAML; add the line "
                        ~ "`-- depends_on: {{ ref('" ~ node.name ~ "') }}` to feature_registry.sql so that "
                        ~ "`--select " ~ node.name ~ "+` reaches the models that use them") }}
                {%- endif -%}
                {%- for use_case in feature.get('use', []) -%}
                    {%- do entries.append((node.name, column_name, feature.get('role'), use_case)) -%}
                {%- endfor -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
{%- endif -%}

with

trait_registry as (
    select * from {{ ref('trait_registry') }}
),

declared as (
    select
        declared_features.model_name,
        declared_features.feature_name,
        declared_features.feature_role,
        declared_features.use_case
    from (
        values
        {%- for model_name, feature_name, role, use_case in entries | sort %}
            ('{{ model_name }}', '{{ feature_name }}', '{{ role }}', '{{ use_case }}'),
        {%- endfor %}
        (null, null, null, null)
    ) as declared_features (model_name, feature_name, feature_role, use_case)
    where declared_features.model_name is not null
),

traits as (
    select
        model_name,
        feature_name,
        feature_role,
        {{ unnest_list('use_cases') }} as use_case
    from trait_registry
),

registered as (
    select * from declared
    union all
    select * from traits
)

select
    cast(model_name as varchar) as model_name,
    cast(feature_name as varchar) as feature_name,
    cast(feature_role as varchar) as feature_role,
    cast(use_case as varchar) as use_case
from registered

-- depends_on: {{ ref('customer_features') }}
-- depends_on: {{ ref('customer_features_training') }}
-- depends_on: {{ ref('lead_features') }}
