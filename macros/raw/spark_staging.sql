{#-
    Staging a base model on Spark (issue 14; README "Running on Apache Spark"). Spark inlines a CTE at
    every reference, and a base model's CTEs reference one another several times (typed_raw_rows: the raw
    rows three times, the erased keys in every erasure condition; deduplicated_rows: `checked` twice;
    the erasure view: the requests in every branch), so the plan Spark analyses and optimizes grows
    multiplicatively: 30 to 65 s per base model on `messy_input`, for a few rows. DuckDB materializes
    such CTEs (`as materialized`). On Spark the same steps are relations, each planned once:

    * the erased keys: the view `stg_crm__erased_subjects` read once per invocation into a session
      variable (below), which every erasure condition of a base model reads as a constant. This is the
      fix: on `messy_input` a base model's plan had some ten copies of the view, and now has none;
    * the typed rows (typed_raw_rows' CTEs up to `typed`), only with var `spark_stage_typed_rows` true
      (default false): a table `<model>__typed` next to the model, written once, which the model's own
      CTEs (`checked`, `deduplicated`, ...) read; never for the erasure requests (their subject ids and
      emails are never stored unmasked). Measured on `messy_input` once the keys are a variable, it did
      not pay (the ten base tables 111 s with it, 107 s without, under the same load): the plan left is
      small; it may pay on large inputs, where `deduplicated` reads the typed rows twice (not measured).

    Both are made while the model's SQL is rendered (at execution, like the raw file relations of
    macros/raw/spark_raw_reader.sql) and dropped by the model's post-hook (drop_staged_steps). DuckDB
    renders exactly the SQL it did before (the default__ implementations are the CTEs, unchanged).
-#}

{#- Whether the node being rendered stages its steps on Spark: a base table (or incremental) model at execution. -#}
{% macro spark_stages_model() -%}
    {{ return(execute and model is defined and model and model.resource_type == 'model'
              and model.config.materialized in ['table', 'incremental']) }}
{%- endmacro %}


{#- The relation of one staged step of the model being built: `<model identifier>__<step>`, same schema. -#}
{% macro spark_step_relation(step) -%}
    {{ return(this.incorporate(path={'identifier': this.identifier ~ '__' ~ step}, type='table')) }}
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


{#-
    The typed rows of a base model on Spark: typed_raw_row_ctes written once as the table
    `<model>__typed`, and the CTE `typed` reading it, with var `spark_stage_typed_rows` true (above). The
    erasure requests' model and views (the erasure view) keep the CTEs inline.
-#}
{% macro spark__typed_raw_rows(source_name, table_name, with_malformed=true) -%}
    {%- set ctes = typed_raw_row_ctes(source_name, table_name, with_malformed) -%}
    {%- if not spark_stages_model() or table_name == erasure_requests_table()[1]
            or not var('spark_stage_typed_rows') -%}
        {{ return(ctes) }}
    {%- endif -%}
    {%- set staged = spark_step_relation('typed') -%}
    {%- do run_query('drop table if exists ' ~ staged) -%}
    {%- do run_query(
        'create table ' ~ staged ~ ' using parquet as\nwith\n' ~ sql_dialect(ctes) ~ '\nselect * from typed'
    ) -%}
    {{ return('typed as (\n    select * from ' ~ staged ~ '\n)') }}
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
    drop_staged_steps(): the post-hook of every base model: on Spark, drops the model's staged typed
    rows and its own variable of erased keys (nothing when it set none); empty on DuckDB (no statement runs).
-#}
{% macro drop_staged_steps() -%}
    {{ return(adapter.dispatch('drop_staged_steps')()) }}
{%- endmacro %}

{% macro default__drop_staged_steps() -%}
{%- endmacro %}

{% macro spark__drop_staged_steps() -%}
    {%- if spark_stages_model() -%}
        {%- do run_query('drop temporary variable if exists ' ~ spark_erased_keys_variable(per_model=true)) -%}
        {%- if var('spark_stage_typed_rows') -%}
            {%- do run_query('drop table if exists ' ~ spark_step_relation('typed')) -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
