{#-
    The raw file contract on Spark (issue 14): the same contract as on DuckDB (macros/raw/raw_files.sql),
    read with Spark's own CSV and Parquet readers. Each macro here is the `spark__` implementation of a
    dispatch point of the raw reader; the DuckDB one is next to its caller.

    * raw_glob: every file under the raw directory (binaryFile listing, recursive; paths returned as the
      raw directory spells them, like DuckDB's glob). Hadoop's listing skips names starting with `.` or
      `_`, so such a file is not listed as unrecognized on Spark.
    * raw_reader: one relation per file (spark_raw_view; CSV: header, every value as text, RFC 4180 quoting, the
      delimiter detected from the header line among comma, semicolon and tab, a BOM removed; PERMISSIVE
      mode with `_corrupt_record`; Parquet: its own types), unioned by column name with `_raw_file`. A CSV
      line with more or fewer fields than the header is never read with shifted values: it is left out
      of the reader and returned by raw_malformed_lines with its text and line number.
    * raw_describe: the reader's columns with the DuckDB type names the typing macros compare against.
-#}

{% macro spark__raw_glob(raw_dir) -%}
    {%- set view = 'raw_inventory_listing' -%}
    {%- do run_query(
        'create or replace temporary view ' ~ view ~ ' using binaryFile options (path ' ~ sql_string(raw_dir)
        ~ ", recursiveFileLookup 'true')"
    ) -%}
    {%- set found = run_query('select path from ' ~ view ~ ' order by path') -%}
    {%- set files = [] -%}
    {%- set marker = '/' ~ raw_dir.lstrip('./') ~ '/' -%}
    {%- for path in found.columns[0].values() -%}
        {%- set local = modules.re.sub('^file:(//)?', '', path) -%}
        {%- if raw_dir.startswith('/') -%}
            {%- do files.append(local) -%}
        {%- else -%}
            {%- do files.append(raw_dir ~ '/' ~ local[local.find(marker) + marker | length:]) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(files | sort) }}
{%- endmacro %}


{#-
    The relation of one raw file: an external table over the file (metadata only, the data stays in the
    file) and a view on it, in schema `raw_files`. Persistent, not temporary: a persistent view (such as
    the erasure view `stg_crm__erased_subjects`) may read them.
-#}
{#- named per file and per reading model: two models built at once (dbt threads) never drop and create
    the same relation (the erasure view and a base model read the same files) -#}
{% macro spark_raw_view(file) -%}
    {%- set reader = model.unique_id if model is defined and model else '' -%}
    {{ return('raw_files.raw_file_' ~ local_md5(reader ~ '|' ~ file)) }}
{%- endmacro %}


{#- The header line of a CSV file: (column names, delimiter). -#}
{% macro spark_csv_header(file) -%}
    {%- set first = run_query('select value from text.`' ~ file ~ '` limit 1').columns[0].values() -%}
    {%- set line = (first[0] if first else '').lstrip('\ufeff').rstrip('\r') -%}
    {%- set counts = {',': line.count(','), ';': line.count(';'), '\t': line.count('\t')} -%}
    {%- set ns = namespace(delimiter=',', best=-1) -%}
    {%- for delimiter in [',', ';', '\t'] if counts[delimiter] > ns.best -%}
        {%- set ns.delimiter = delimiter -%}
        {%- set ns.best = counts[delimiter] -%}
    {%- endfor -%}
    {%- set names = [] -%}
    {%- for name in line.split(ns.delimiter) -%}
        {%- do names.append(name.strip().strip('"')) -%}
    {%- endfor -%}
    {{ return((names, ns.delimiter)) }}
{%- endmacro %}


{#- Create the relation of one raw file (above); returns its columns (names as in the file). -#}
{% macro spark_raw_file_view(file, format) -%}
    {%- set view = spark_raw_view(file) -%}
    {%- do run_query('create schema if not exists raw_files') -%}
    {%- if format == 'parquet' -%}
        {%- do run_query('drop table if exists ' ~ view) -%}
        {%- do run_query(
            'create table ' ~ view ~ ' using parquet options (path ' ~ sql_string(file) ~ ')'
        ) -%}
        {%- set columns = [] -%}
        {%- for row in run_query('describe query select * from ' ~ view) -%}
            {%- do columns.append(row[0]) -%}
        {%- endfor -%}
        {{ return(columns) }}
    {%- endif -%}
    {%- do run_query('drop view if exists ' ~ view) -%}
    {%- do run_query('drop table if exists ' ~ view ~ '_lines') -%}
    {%- set header = spark_csv_header(file) -%}
    {%- set schema = [] -%}
    {%- for name in header[0] -%}
        {%- do schema.append('`' ~ name | replace('`', '``') ~ '` string') -%}
    {%- endfor -%}
    {%- do schema.append('`_corrupt_record` string') -%}
    {%- do run_query(
        'create table ' ~ view ~ '_lines (' ~ schema | join(', ') ~ ') using csv options ('
        ~ 'path ' ~ sql_string(file) ~ ", header 'true', sep " ~ sql_string(header[1])
        ~ ", quote '\"', escape '\"', mode 'PERMISSIVE', columnNameOfCorruptRecord '_corrupt_record',"
        ~ " multiLine 'true', enforceSchema 'true')"
    ) -%}
    {#- a line is malformed when the reader kept its text; naming a data column keeps the reader from
        pruning to the corrupt-record column alone, which Spark refuses -#}
    {%- do run_query(
        'create view ' ~ view ~ ' as select *, concat(_corrupt_record, substring(coalesce(`' ~ header[0][0]
        ~ "`, ''), 1, 0)) as _malformed_text from " ~ view ~ '_lines'
    ) -%}
    {{ return(header[0]) }}
{%- endmacro %}


{% macro spark__raw_reader(files, format) -%}
    {%- set by_file = {} -%}
    {%- set names = [] -%}
    {%- for file in files -%}
        {%- set columns = spark_raw_file_view(file, format) -%}
        {%- do by_file.update({file: columns}) -%}
        {%- for column in columns if column not in names and column != '_raw_file' -%}
            {%- do names.append(column) -%}
        {%- endfor -%}
    {%- endfor -%}
    (
    {%- for file in files %}
        select
            {%- for name in names %}
            {% if name in by_file[file] %}`{{ name }}`{% else %}cast(null as string){% endif %} as `{{ name }}`,
            {%- endfor %}
            {{ sql_string(file) }} as _raw_file
        from {{ spark_raw_view(file) }}
        {%- if format != 'parquet' %}
        where _malformed_text is null
        {%- endif %}
        {{- "\n        union all" if not loop.last }}
    {%- endfor %}
    ) as raw_files
{%- endmacro %}


{#- Spark type names as the DuckDB names the typing macros (macros/raw/typed_columns.sql) compare. -#}
{% macro spark_duckdb_type(data_type) -%}
    {%- set type = data_type | lower -%}
    {%- set names = {
        'string': 'VARCHAR', 'tinyint': 'TINYINT', 'smallint': 'SMALLINT', 'int': 'INTEGER',
        'bigint': 'BIGINT', 'float': 'FLOAT', 'double': 'DOUBLE', 'boolean': 'BOOLEAN', 'date': 'DATE',
        'timestamp': 'TIMESTAMP', 'timestamp_ntz': 'TIMESTAMP',
    } -%}
    {{ return(names.get(type, type | upper)) }}
{%- endmacro %}


{% macro spark__raw_describe(reader) -%}
    {%- set columns = [] -%}
    {%- for row in run_query('describe query select * from ' ~ reader) -%}
        {%- do columns.append((row[0], spark_duckdb_type(row[1]))) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}


{#- Spark keeps malformed lines in the reader's `_corrupt_record`: no scan before the model. -#}
{% macro spark__raw_rejects_scan(table_name) -%}
    {{ return('') }}
{%- endmacro %}


{#-
    The malformed lines of a CSV table on Spark: raw_file, line_number (the header is line 1: the line's
    position among the file's lines, for a line whose text occurs once per occurrence in order),
    reject_errors and raw_text, as DuckDB's rejects scan gives them. (Spark's two-argument rtrim takes
    the characters first: `trim(trailing ... from ...)` says which is which.)
-#}
{% macro spark__raw_malformed_lines(table_name) -%}
    {%- set files = raw_table_files(table_name).files -%}
    {%- for file in files %}
    select
        malformed.raw_file,
        numbered_lines.line_number,
        malformed.reject_errors,
        malformed.raw_text
    from (
        select
            {{ sql_string(file) }} as raw_file,
            'MALFORMED ROW (fields differ from the header)' as reject_errors,
            trim(trailing concat(chr(13), chr(10)) from _malformed_text) as raw_text,
            row_number() over (
                partition by _malformed_text order by monotonically_increasing_id()
            ) as occurrence
        from {{ spark_raw_view(file) }}
        where _malformed_text is not null
    ) as malformed
    left join (
        select
            trim(trailing chr(13) from value) as line_text,
            line_number,
            row_number() over (partition by trim(trailing chr(13) from value) order by line_number) as occurrence
        from (
            select
                value,
                row_number() over (order by monotonically_increasing_id()) as line_number
            from text.`{{ file }}`
        ) as lines
    ) as numbered_lines
        on malformed.raw_text = numbered_lines.line_text and malformed.occurrence = numbered_lines.occurrence
    {{- "\n    union all" if not loop.last }}
    {%- endfor %}
{%- endmacro %}
