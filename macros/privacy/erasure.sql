{#-
    Erasure (issue 11; README "Erasure"). A standing request of the raw table `erasure_requests` removes its
    subject from every table at every build, upstream of everything: each base model marks the subject's
    raw rows `is_erased` (typed_raw_rows) and keeps of them only the file name and the reason `erased`, so
    no model downstream ever sees them and no table stores them. Nothing of a request is stored either:

    * `stg_crm__erased_subjects` (schema `restricted`) is a VIEW: every base model reads it while it builds,
      and it reads the raw request, customer and lead files then; its rows are never written to the
      warehouse file, and the compiled SQL names files, never a person.
    * `base_crm__erasure_requests` keeps a request's type, time and which keys it names; its subject id and
      email are masked in its raw values (contract meta pii).

    Which rows belong to a subject is the contract's column meta `erasure` (macros/raw/raw_contract.sql):
    customer / lead (an id), email (normalized), subject (an id typed by the row's `subject_type`),
    linked (a cookie id seen on an erased row), {parent: table} (a key of an erased row of that table).
    A malformed CSV line (no columns) is erased when its text contains an erased email or one of its
    fields is an erased id.

    Cost: none without a raw `erasure_requests` file (erasure_is_active() is false at compile time);
    with one, every base model with erasure columns reads the request, customer and lead files once more.
-#}

{#- (source, table) of the raw table that holds the erasure requests. -#}
{% macro erasure_requests_table() -%}
    {{ return(('crm', 'erasure_requests')) }}
{%- endmacro %}


{#- Whether erasure runs at this build: the raw table `erasure_requests` has a file (execution time only). -#}
{% macro erasure_is_active() -%}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {{ return(raw_table_files(erasure_requests_table()[1]).files | length > 0) }}
{%- endmacro %}


{#-
    erasure_plan(source_name, table_name): the contract columns through which erasure reaches the table
    ({direct: [columns], linked: [columns], parents: [columns]}), or none when erasure is not active at
    this build or the table has no erasure column.
-#}
{% macro erasure_plan(source_name, table_name) -%}
    {%- set plan = {'direct': [], 'linked': [], 'parents': []} -%}
    {%- for column in raw_contract(source_name, table_name) if column.erasure -%}
        {%- if column.erasure is mapping -%}
            {%- do plan.parents.append(column) -%}
        {%- elif column.erasure == 'linked' -%}
            {%- do plan.linked.append(column) -%}
        {%- elif column.erasure in ['customer', 'lead', 'email', 'subject'] -%}
            {%- do plan.direct.append(column) -%}
        {%- else -%}
            {{ exceptions.raise_compiler_error(
                "raw contract: " ~ source_name ~ "." ~ table_name ~ "." ~ column.name ~ " has meta erasure '"
                ~ column.erasure ~ "'; expected customer, lead, email, subject, linked or {parent: <table>}"
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {%- if not (plan.direct or plan.linked or plan.parents) or not erasure_is_active() -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(plan) }}
{%- endmacro %}


{#- The erased keys of one type ('customer', 'lead', 'email') as a subquery of the CTE erased_keys. -#}
{% macro erased_key_set(key_type) -%}
    (select erased_keys.erasure_key from erased_keys where erased_keys.erasure_key_type = '{{ key_type }}')
{%- endmacro %}


{#- The condition: a row of these (parsed) columns names an erased subject directly. -#}
{% macro erasure_direct_condition(columns) -%}
    {%- set conditions = [] -%}
    {%- for column in columns -%}
        {%- if column.erasure in ['customer', 'lead'] -%}
            {%- do conditions.append(column.name ~ ' in ' ~ erased_key_set(column.erasure)) -%}
        {%- elif column.erasure == 'email' -%}
            {%- do conditions.append(normalize_email(column.name) ~ ' in ' ~ erased_key_set('email')) -%}
        {%- elif column.erasure == 'subject' -%}
            {%- do conditions.append(
                "(subject_type = 'customer' and " ~ column.name ~ " in " ~ erased_key_set('customer') ~ ")"
            ) -%}
            {%- do conditions.append(
                "(subject_type = 'lead' and " ~ column.name ~ " in " ~ erased_key_set('lead') ~ ")"
            ) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return('(' ~ (conditions | join(' or ') if conditions else 'false') ~ ')') }}
{%- endmacro %}


{#- The source of a contract table, by its name. -#}
{% macro raw_table_source(table_name) -%}
    {%- for raw in raw_tables() if raw.table == table_name -%}
        {{ return(raw.source) }}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("raw contract: no table '" ~ table_name ~ "' (meta erasure parent)") }}
{%- endmacro %}


{#-
    The CTEs erasure adds to a base model (typed_raw_rows, after raw_parsed): erased_keys (the view, read
    once), erased_links (values of `linked` columns seen on directly erased rows) and one
    erased_parent_<column> per `parent` column (that table's keys of its directly erased raw rows).
-#}
{% macro erasure_ctes(source_name, table_name) -%}
    {%- set plan = erasure_plan(source_name, table_name) -%}
erased_keys as materialized (
    select
        erasure_key_type,
        erasure_key
    from {{ erased_subjects_relation() }}
)
{%- for column in plan.linked %},

erased_links_{{ column.name }} as materialized (
    select distinct {{ column.name }} as erasure_key
    from raw_parsed
    where {{ column.name }} is not null and {{ erasure_direct_condition(plan.direct) }}
)
{%- endfor %}
{%- for column in plan.parents %}
    {%- set parent_table = column.erasure.parent %}
    {%- set parent_source = raw_table_source(parent_table) %}
    {%- set parent_plan = erasure_plan(parent_source, parent_table) %}
    {%- if parent_plan is none or not parent_plan.direct %}
        {{ exceptions.raise_compiler_error(
            "raw contract: " ~ table_name ~ "." ~ column.name ~ " is erased with its parent " ~ parent_table
            ~ ", which has no direct erasure column (meta erasure customer, lead, email or subject)"
        ) }}
    {%- endif %},

erased_parent_{{ column.name }} as materialized (
    select distinct parent_rows.{{ column.name }} as erasure_key
    from (
        {{ raw_parsed_rows(
            parent_source, parent_table, [column.name] + (parent_plan.direct | map(attribute='name') | list)
        ) | indent(8) }}
    ) as parent_rows
    where parent_rows.{{ column.name }} is not null and {{ erasure_direct_condition(parent_plan.direct) }}
)
{%- endfor %}
{%- endmacro %}


{#-
    The relation a base model reads the erased keys from: the view `stg_crm__erased_subjects`; on Spark
    its keys as a session variable, set once per invocation (spark__erased_subjects_relation,
    macros/raw/spark_staging.sql).
-#}
{% macro erased_subjects_relation() -%}
    {{ return(adapter.dispatch('erased_subjects_relation')()) }}
{%- endmacro %}

{% macro default__erased_subjects_relation() -%}
    {{ return(ref('stg_crm__erased_subjects')) }}
{%- endmacro %}


{#- The condition, on a parsed raw row of the table, that it belongs to an erased subject. -#}
{% macro erasure_row_condition(source_name, table_name) -%}
    {%- set plan = erasure_plan(source_name, table_name) -%}
    {%- set conditions = [erasure_direct_condition(plan.direct)] -%}
    {%- for column in plan.linked -%}
        {%- do conditions.append(
            column.name ~ ' in (select erased_links_' ~ column.name ~ '.erasure_key from erased_links_'
            ~ column.name ~ ')'
        ) -%}
    {%- endfor -%}
    {%- for column in plan.parents -%}
        {%- do conditions.append(
            column.name ~ ' in (select erased_parent_' ~ column.name ~ '.erasure_key from erased_parent_'
            ~ column.name ~ ')'
        ) -%}
    {%- endfor -%}
    coalesce({{ conditions | join(' or ') }}, false)
{%- endmacro %}


{#-
    The condition, on a malformed CSV line (text `raw_text`), that it belongs to an erased subject: the
    text contains an erased email (case-insensitive) or a field (split on , ; tab |, trimmed of spaces and
    quotes) equals an erased id.
-#}
{% macro erasure_line_condition(raw_text) -%}
    {{ return(adapter.dispatch('erasure_line_condition')(raw_text)) }}
{%- endmacro %}

{#-
    Spark (issue 14): no subquery inside a lambda, and no correlated one here: the line's fields (split
    and trimmed as above, lowercased for the emails) are compared with the erased keys as two lists. An
    email is found when it is a whole field (DuckDB also finds it inside a longer field).
-#}
{% macro spark__erasure_line_condition(raw_text) -%}
    coalesce(
        arrays_overlap(
            transform(split(lower({{ raw_text }}), '[,;\t|]'), field -> trim(both ' "\'' from field)),
            (select collect_list(erased_keys.erasure_key) from erased_keys where erased_keys.erasure_key_type = 'email')
        )
        or arrays_overlap(
            transform(split({{ raw_text }}, '[,;\t|]'), field -> trim(both ' "\'' from field)),
            (select collect_list(erased_keys.erasure_key) from erased_keys where erased_keys.erasure_key_type != 'email')
        ),
        false
    )
{%- endmacro %}

{% macro default__erasure_line_condition(raw_text) -%}
    coalesce(
        exists (
            select 1 from erased_keys
            where erased_keys.erasure_key_type = 'email' and contains(lower({{ raw_text }}), erased_keys.erasure_key)
        )
        or list_has_any(
            list_transform(regexp_split_to_array({{ raw_text }}, '[,;\t|]'), lambda field: trim(field, ' "''')),
            (select list(erased_keys.erasure_key) from erased_keys where erased_keys.erasure_key_type != 'email')
        ),
        false
    )
{%- endmacro %}


{#-
    The CTEs normalized, checked and deduplicated of the erasure requests (after typed_raw_rows): the one
    definition of a valid request, shared by the base model and the erasure view.
-#}
{% macro erasure_request_checks() -%}
normalized as not materialized (
    select
        typed.* exclude (email, value_issues),  -- noqa: RF02
        {{ normalize_email('typed.email') }} as email_normalized,
        case
            when {{ is_valid_email(normalize_email('typed.email')) }} then {{ normalize_email('typed.email') }}
        end as email,
        {{ combined_issues('typed.value_issues', value_issues([
            ('email_normalized is not null and not ' ~ is_valid_email('email_normalized'),
             'email', 'invalid_email'),
        ])) }} as value_issues
    from typed
),

checked as not materialized (
    select
        *,
        {{ first_matching_rule(contract_row_rules('crm', 'erasure_requests', model_rules=[
            ('subject_id is null and email is null', 'missing_required_value', 'subject_id'),
            ('subject_id is not null and subject_type is null', 'missing_required_value', 'subject_type'),
        ])) }} as first_rejection
    from normalized
),

deduplicated as (
    {{ deduplicated_rows('crm', 'erasure_requests') }}
)
{%- endmacro %}


{#-
    erase_subject_rows(relation, id_column, subject_type_sql): a post-hook statement deleting from a table
    that outlives rebuilds (the history tables) the rows of erased subjects: `id_column` holds the
    subject's id, `subject_type_sql` is an expression giving its type ('customer' or 'lead'). Empty when
    erasure is not active. The model declares `-- depends_on: {{ ref('stg_crm__erased_subjects') }}`.
    Spark (Parquet tables cannot delete rows): the kept rows are copied to `<identifier>__erasure_kept`
    and written back over the whole table (static partition overwrite), the statements run from the
    macro and the hook itself is empty.
-#}
{% macro erase_subject_rows(relation, id_column, subject_type_sql) -%}
    {{ return(adapter.dispatch('erase_subject_rows')(relation, id_column, subject_type_sql)) }}
{%- endmacro %}

{% macro default__erase_subject_rows(relation, id_column, subject_type_sql) -%}
    {%- if erasure_is_active() -%}
        delete from {{ relation }} as kept
        where {{ _is_erased_subject(id_column, subject_type_sql) }}
    {%- endif -%}
{%- endmacro %}

{% macro spark__erase_subject_rows(relation, id_column, subject_type_sql) -%}
    {%- if erasure_is_active() -%}
        {%- do spark_keep_rows(relation, 'not ' ~ _is_erased_subject(id_column, subject_type_sql)) -%}
    {%- endif -%}
{%- endmacro %}

{#- the rows of `kept` (the table's alias) whose subject is erased -#}
{% macro _is_erased_subject(id_column, subject_type_sql) -%}
    exists (
            select 1 from {{ ref('stg_crm__erased_subjects') }} as erased
            where
                erased.erasure_key_type = {{ subject_type_sql }}
                and erased.erasure_key = kept.{{ id_column }}
        )
{%- endmacro %}

{#-
    spark_keep_rows(relation, condition): on Spark, keep only the rows of `relation` (alias `kept`) that
    satisfy `condition` (Spark cannot overwrite a table it reads in the same statement: through a copy).
-#}
{% macro spark_keep_rows(relation, condition) -%}
    {%- set copy = relation.incorporate(path={'identifier': relation.identifier ~ '__erasure_kept'}) -%}
    {%- do run_query('drop table if exists ' ~ copy) -%}
    {%- do run_query('create table ' ~ copy ~ ' as select * from ' ~ relation ~ ' as kept where ' ~ condition) -%}
    {%- do run_query('set spark.sql.sources.partitionOverwriteMode = STATIC') -%}
    {%- do run_query('insert overwrite table ' ~ relation ~ ' select * from ' ~ copy) -%}
    {%- do run_query('drop table ' ~ copy) -%}
{%- endmacro %}
