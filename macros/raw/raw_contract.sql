{#-
    The raw data contract, read from the source YAML (models/staging/*/_*__sources.yml). Only meaningful
    at execution time (the graph is empty while dbt parses); the macros return empty results then.

    Column `meta` keys (all optional; documented in the README, "The raw data contract"):
      required: true        the column must exist in a present file; an empty value quarantines the row
      id: true              an identifier: float-typed values (parquet from pandas: 101.0) read as '101'
      codes: [a, b]         closed vocabulary (compared lowercased): another value quarantines the row
      open_codes: [a, b]    known values of an open vocabulary (lowercased): another value is kept, and a
                            warn-level test names it
      default: x            the value of an empty cell (orders.status: completed)
      lowercase: true       compared and stored lowercased (traits.trait); codes are lowercased anyway
      outliers: true        a money or count column checked by the robust outlier rule
      keep_values: [NA]     values that are data in this column although they are null tokens
                            (var raw_null_tokens), e.g. NA = Namibia in a country code
      pii: true             a direct identifier of a person (email, phone, name, birth date, address): masked
                            in the raw values of the DQ marts of schema `main` (macros/privacy/pii.sql)
      erasure: <kind>       how an erasure request reaches the row (macros/privacy/erasure.sql): `customer`
                            or `lead` (the column holds that subject's id), `email` (a person's email,
                            compared normalized), `subject` (an id whose type is the row's `subject_type`),
                            `linked` (an id such as a cookie: every row sharing it with an erased row goes
                            too), `{parent: <table>}` (a key of another raw table: the row goes with that
                            table's erased row of this key)
    Table `meta` keys:
      key: [a, b]           the table's key: `duplicate_key` keeps one row per key
      latest_by: column     among rows sharing a key, the latest by this column is kept
      rechecked_by: model   an intermediate model applies cross-source rules to the clean rows
                            (e.g. email events before their customer was created)
-#}

{#- One contract table as a dict: source, table, columns (see raw_contract), key, latest_by, rechecked_by. -#}
{% macro raw_contract_table(source_name, table_name) -%}
    {%- if not execute -%}
        {{ return({'source': source_name, 'table': table_name, 'columns': [], 'key': [], 'latest_by': none,
                   'rechecked_by': none}) }}
    {%- endif -%}
    {%- set node = graph.sources.get('source.' ~ project_name ~ '.' ~ source_name ~ '.' ~ table_name) -%}
    {%- if node is none -%}
        {{ exceptions.raise_compiler_error("raw contract: no source table " ~ source_name ~ "." ~ table_name) }}
    {%- endif -%}
    {%- set table_meta = node.get('config', {}).get('meta', {}) or node.get('meta', {}) -%}
    {%- set columns = [] -%}
    {%- for name, column in node.columns.items() -%}
        {%- set meta = column.get('config', {}).get('meta', {}) or column.get('meta', {}) -%}
        {%- do columns.append({
            'name': name,
            'data_type': column.data_type | lower,
            'required': meta.get('required', false),
            'id': meta.get('id', false),
            'codes': meta.get('codes', []),
            'open_codes': meta.get('open_codes', []),
            'default': meta.get('default'),
            'lowercase': meta.get('lowercase', false),
            'outliers': meta.get('outliers', false),
            'keep_values': meta.get('keep_values', []),
            'pii': meta.get('pii', false),
            'erasure': meta.get('erasure'),
        }) -%}
    {%- endfor -%}
    {{ return({
        'source': source_name,
        'table': table_name,
        'columns': columns,
        'key': table_meta.get('key', []),
        'latest_by': table_meta.get('latest_by'),
        'rechecked_by': table_meta.get('rechecked_by'),
    }) }}
{%- endmacro %}


{#- The columns of one contract table, in contract order: a list of dicts (name, data_type, meta keys). -#}
{% macro raw_contract(source_name, table_name) -%}
    {{ return(raw_contract_table(source_name, table_name).columns) }}
{%- endmacro %}


{#- One column of the contract (a dict as in raw_contract), or an error naming it. -#}
{% macro raw_contract_column(source_name, table_name, column_name) -%}
    {%- for column in raw_contract(source_name, table_name) if column.name == column_name -%}
        {{ return(column) }}
    {%- endfor -%}
    {%- if execute -%}
        {{ exceptions.raise_compiler_error(
            "raw contract: " ~ source_name ~ "." ~ table_name ~ " has no column '" ~ column_name ~ "'"
        ) }}
    {%- endif -%}
    {{ return({}) }}
{%- endmacro %}


{#- Every table of the contract as (source, table) pairs, sorted: from the graph, at execution time. -#}
{% macro contract_source_tables() -%}
    {%- set pairs = [] -%}
    {%- if execute -%}
        {%- for node in graph.sources.values() if node.package_name == project_name -%}
            {%- do pairs.append((node.source_name, node.name)) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(pairs | sort) }}
{%- endmacro %}
