{#-
    The erased keys of a base model on Spark (issue 14; README "Running on Apache Spark"). Spark inlines a
    CTE or view at every reference, and a base model reads the erasure view `stg_crm__erased_subjects` in
    each of its erasure conditions, so its plan held some ten copies of that view (itself a large plan):
    30 to 65 s per base model on `messy_input`, for a few rows. DuckDB materializes such CTEs (`as
    materialized`). On Spark the view's keys are read once per invocation into a session variable (below),
    which every erasure condition reads as a constant: the plan has no copy of the view. The keys stay in
    the session's memory (never in the warehouse, as on DuckDB; never in the SQL text or dbt's log).
    Also measured on `messy_input`, no gain once the keys are a variable: writing a base model's typed
    rows to a table first (the ten base tables 111 s with it, 107 s without, under the same load).
    DuckDB renders exactly the SQL it did before (the default__ implementations, unchanged).
-#}

{#- Whether the node being rendered reads the erased keys' variable on Spark: a table (or incremental) model at execution. -#}
{% macro spark_stages_model() -%}
    {{ return(execute and model is defined and model and model.resource_type == 'model'
              and model.config.materialized in ['table', 'incremental']) }}
{%- endmacro %}


{#-
    The erased keys on Spark are a session variable (an array of {erasure_key_type, erasure_key}), set
    once from the erasure view: a base model reads it as a constant, so its plan holds no copy of the
    view, and the keys stay in the session's memory (never in the warehouse, as on DuckDB; never in the
    SQL text or dbt's log either). One variable per dbt invocation, set by the erasure view's post-hook
    (set_erased_subject_keys) with a marker temporary view `<name>_set` (Spark cannot list variables);
    a base model whose session has none (the view was not built in this invocation, or another session
    built it: Thrift) sets its own, dropped by its post-hook.
-#}
{% macro spark_erased_keys_variable(per_model=false) -%}
    {{ return('erased_subject_keys_' ~ local_md5(invocation_id ~ ('|' ~ model.unique_id if per_model else ''))) }}
{%- endmacro %}


{#- Declare the session variable `name` and set it to the erased keys of `view` (the erasure view). -#}
{% macro spark_set_erased_keys(name, view) -%}
    {%- do run_query(
        'declare or replace variable ' ~ name
        ~ ' array<struct<erasure_key_type: string, erasure_key: string>>'
    ) -%}
    {%- do run_query(
        'set variable ' ~ name ~ ' = (select collect_list(struct(erasure_key_type, erasure_key)) from '
        ~ view ~ ')'
    ) -%}
{%- endmacro %}


{#-
    set_erased_subject_keys(): the post-hook of the erasure view: on Spark, sets this invocation's variable
    of erased keys for the base models (above), when erasure is active (a request file: otherwise no
    base model reads it); empty on DuckDB (no statement runs).
-#}
{% macro set_erased_subject_keys() -%}
    {{ return(adapter.dispatch('set_erased_subject_keys')()) }}
{%- endmacro %}

{% macro default__set_erased_subject_keys() -%}
{%- endmacro %}

{% macro spark__set_erased_subject_keys() -%}
    {%- if erasure_is_active() -%}
        {%- set name = spark_erased_keys_variable() -%}
        {%- do spark_set_erased_keys(name, this) -%}
        {%- do run_query('create or replace temporary view ' ~ name ~ '_set as select true as is_set') -%}
    {%- endif -%}
{%- endmacro %}


{#- The erased keys on Spark, as a FROM item: this invocation's variable, or the model's own (above). -#}
{% macro spark__erased_subjects_relation() -%}
    {%- set view = ref('stg_crm__erased_subjects') -%}
    {%- if not spark_stages_model() -%}
        {{ return(view) }}
    {%- endif -%}
    {%- set name = spark_erased_keys_variable() -%}
    {%- if run_query("show tables like '" ~ name ~ "_set'").rows | length == 0 -%}
        {%- set name = spark_erased_keys_variable(per_model=true) -%}
        {%- do spark_set_erased_keys(name, view) -%}
    {%- endif -%}
    {{ return('(select inline(' ~ name ~ ')) as erased_subjects') }}
{%- endmacro %}


{#-
    drop_staged_steps(): the post-hook of every base model: on Spark, drops the model's own variable of
    erased keys (nothing when it set none); empty on DuckDB (no statement runs).
-#}
{% macro drop_staged_steps() -%}
    {{ return(adapter.dispatch('drop_staged_steps')()) }}
{%- endmacro %}

{% macro default__drop_staged_steps() -%}
{%- endmacro %}

{% macro spark__drop_staged_steps() -%}
    {%- if spark_stages_model() -%}
        {%- do run_query('drop temporary variable if exists ' ~ spark_erased_keys_variable(per_model=true)) -%}
    {%- endif -%}
{%- endmacro %}
