{#-
    The raw files: which file belongs to which contract table, and how it is read.

    Layout (README, "The raw data contract"), names matched case-insensitively:
      <raw_data_dir>/<table>.csv | .csv.gz | .csv.zst | .parquet     one file per table, or
      <raw_data_dir>/<table>/<any name>.csv | .csv.gz | .csv.zst | .parquet
                                                                     a directory of files (e.g. one per day)
    Every other file is `unrecognized`: named in a warning and in `dq_raw_files`, never read.
    One table, one format: CSV and parquet files of one table, two top-level files of one table, or a
    top-level file and a directory of one table fail the build, naming both.

    CSV files are read with a header, every value as text, in strict mode: a line with more or fewer
    fields than the header is never read with shifted values; it is skipped by the reader and recorded
    by a scan with `store_rejects` (pre-hook `raw_rejects_scan`), and the base model quarantines it as
    `malformed_row` with its line number and text.
-#}

{#- The raw data directory, without a trailing slash, quoted for SQL. -#}
{% macro raw_data_dir() -%}
    {%- set raw_dir = var('raw_data_dir') | string -%}
    {{ return(raw_dir.rstrip('/') if raw_dir.rstrip('/') else raw_dir) }}
{%- endmacro %}


{% macro sql_string(text) -%}
    '{{ text | replace("'", "''") }}'
{%- endmacro %}


{#-
    Every file under the raw data directory (hidden files and subdirectories included), classified:
    a list of {file, relative_path, source, table, layout (file | directory | none), format (csv |
    parquet | none)}; `table` is 'unrecognized' for a file the contract does not know. [] while parsing.
-#}
{% macro raw_inventory() -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set raw_dir = raw_data_dir() -%}
    {%- set sources_by_table = {} -%}
    {%- for raw in raw_tables() -%}
        {%- do sources_by_table.update({raw.table: raw.source}) -%}
    {%- endfor -%}
    {%- set inventory = [] -%}
    {%- for file in raw_glob(raw_dir) -%}
        {%- set relative_path = file[(raw_dir | length) + 1:] if file.startswith(raw_dir ~ '/') else file -%}
        {%- set parts = relative_path.split('/') -%}
        {%- set match = modules.re.match('^(.+?)[.](csv|csv[.]gz|csv[.]zst|parquet)$', parts[-1] | lower) -%}
        {%- set entry = {'file': file, 'relative_path': relative_path, 'source': none, 'table': 'unrecognized',
                         'layout': none, 'format': none} -%}
        {%- if match and parts | length == 1 and match.group(1) in sources_by_table -%}
            {%- do entry.update({'table': match.group(1), 'layout': 'file'}) -%}
        {%- elif match and parts | length == 2 and (parts[0] | lower) in sources_by_table
                and not parts[-1].startswith('.') -%}
            {%- do entry.update({'table': parts[0] | lower, 'layout': 'directory'}) -%}
        {%- endif -%}
        {%- if entry.table != 'unrecognized' -%}
            {%- do entry.update({
                'source': sources_by_table[entry.table],
                'format': 'parquet' if match.group(2) == 'parquet' else 'csv',
            }) -%}
        {%- endif -%}
        {%- do inventory.append(entry) -%}
    {%- endfor -%}
    {{ return(inventory) }}
{%- endmacro %}


{#-
    The files of one contract table: {files, format (csv | parquet | none)}; an ambiguous layout (two
    formats, two top-level files, a file and a directory) fails naming both.
-#}
{% macro raw_table_files(table_name) -%}
    {%- set files = [] -%}
    {%- set top_level = [] -%}
    {%- set by_format = {} -%}
    {%- for entry in raw_inventory() if entry.table == table_name -%}
        {%- do files.append(entry.file) -%}
        {%- if entry.layout == 'file' -%}
            {%- do top_level.append(entry.file) -%}
        {%- endif -%}
        {%- if entry.format not in by_format -%}
            {%- do by_format.update({entry.format: entry.file}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set both = none -%}
    {%- if by_format | length > 1 -%}
        {%- set both = by_format.get('csv') ~ ' and ' ~ by_format.get('parquet') -%}
    {%- elif top_level | length > 1 -%}
        {%- set both = top_level | join(' and ') -%}
    {%- elif top_level and files | length > 1 -%}
        {%- set both = top_level[0] ~ ' and the directory ' ~ raw_data_dir() ~ '/' ~ table_name ~ '/' -%}
    {%- endif -%}
    {%- if both -%}
        {{ exceptions.raise_compiler_error(
            "raw table '" ~ table_name ~ "': both " ~ both ~ " exist; keep one of them"
        ) }}
    {%- endif -%}
    {{ return({'files': files, 'format': (by_format.keys() | list | first) if by_format else none}) }}
{%- endmacro %}


{#- Every file under the raw directory, sorted (the Spark implementation: macros/raw/spark_raw_reader.sql). -#}
{% macro raw_glob(raw_dir) -%}
    {{ return(adapter.dispatch('raw_glob')(raw_dir)) }}
{%- endmacro %}

{% macro default__raw_glob(raw_dir) -%}
    {%- set found = run_query('select file from glob(' ~ sql_string(raw_dir ~ '/**') ~ ') order by file') -%}
    {{ return(found.columns[0].values() | list) }}
{%- endmacro %}


{#- The columns of a reader as (name, DuckDB type name) pairs, `_raw_file` included. -#}
{% macro raw_describe(reader) -%}
    {{ return(adapter.dispatch('raw_describe')(reader)) }}
{%- endmacro %}

{% macro default__raw_describe(reader) -%}
    {%- set columns = [] -%}
    {%- for row in run_query('describe select * from ' ~ reader) -%}
        {%- do columns.append((row[0], row[1])) -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}


{#- The table function reading a list of files: every column of every file, plus `_raw_file`. -#}
{% macro raw_reader(files, format) -%}
    {{ return(adapter.dispatch('raw_reader')(files, format)) }}
{%- endmacro %}

{% macro default__raw_reader(files, format) -%}
    {%- set file_list -%}
        [{% for file in files %}{{ sql_string(file) }}{{ ', ' if not loop.last }}{% endfor %}]
    {%- endset -%}
    {%- if format == 'parquet' -%}
        read_parquet({{ file_list }}, union_by_name = true, filename = '_raw_file')
    {%- else -%}
        read_csv(
            {{ file_list }},
            header = true, all_varchar = true, strict_mode = true, ignore_errors = true,
            union_by_name = true, filename = '_raw_file'
        )
    {%- endif -%}
{%- endmacro %}


{#-
    raw_relation(source_name, table_name): how one contract table is read:
    {files, format, reader (a FROM item with every file column and `_raw_file`, or none when the table has
    no file), present: {contract column: {name: the file's column name, type: its DuckDB type}}}.
    File column names match the contract case-insensitively (and trimmed); extra columns are ignored;
    a file without a required column fails the build, naming table, file and column.
-#}
{% macro raw_relation(source_name, table_name) -%}
    {%- set table_files = raw_table_files(table_name) -%}
    {%- set relation = {'files': table_files.files, 'format': table_files.format, 'reader': none, 'present': {}} -%}
    {%- if not table_files.files -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set reader = raw_reader(table_files.files, table_files.format) -%}
    {%- set columns = raw_contract(source_name, table_name) -%}
    {%- for file in table_files.files -%}
        {%- set found = {} -%}
        {%- set file_reader = raw_reader([file], table_files.format) if table_files.files | length > 1 else reader -%}
        {%- for row in raw_describe(file_reader) if row[0] != '_raw_file' -%}
            {%- do found.update({row[0] | trim | lower: {'name': row[0], 'type': row[1] | upper}}) -%}
        {%- endfor -%}
        {%- for column in columns if column.required and column.name not in found -%}
            {{ exceptions.raise_compiler_error(
                "raw table " ~ source_name ~ "." ~ table_name ~ " (file " ~ file ~ ") is missing the "
                ~ "required column '" ~ column.name ~ "'; the contract is in the source YAML of '"
                ~ source_name ~ "' (models/staging/" ~ source_name ~ "/)"
            ) }}
        {%- endfor -%}
    {%- endfor -%}
    {%- set present = {} -%}
    {%- for row in raw_describe(reader) if row[0] != '_raw_file' -%}
        {%- if (row[0] | trim | lower) in (columns | map(attribute='name') | list) -%}
            {%- do present.update({row[0] | trim | lower: {'name': row[0], 'type': row[1] | upper}}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do relation.update({'reader': reader, 'present': present}) -%}
    {{ return(relation) }}
{%- endmacro %}


{#- Names of the temporary tables the rejects scan of a CSV table writes (per connection). -#}
{% macro raw_rejects_tables(table_name) -%}
    {{ return({'errors': 'raw_rejects_' ~ table_name, 'scans': 'raw_reject_scans_' ~ table_name}) }}
{%- endmacro %}


{#-
    raw_rejects_scan(table_name): the pre-hook of a base model whose table is CSV: one strict scan per file
    with `store_rejects`, so the lines the reader skips (more or fewer fields than the header, or
    otherwise unreadable) are in two temporary tables of this connection, which the model reads
    (raw_malformed_lines). Empty for parquet or an absent table.
-#}
{% macro raw_rejects_scan(table_name) -%}
    {{ return(adapter.dispatch('raw_rejects_scan')(table_name)) }}
{%- endmacro %}

{% macro default__raw_rejects_scan(table_name) -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set table_files = raw_table_files(table_name) -%}
    {%- if table_files.format != 'csv' -%}
        {{ return('') }}
    {%- endif -%}
    {%- set names = raw_rejects_tables(table_name) -%}
    drop table if exists temp.main.{{ names.errors }};
    drop table if exists temp.main.{{ names.scans }};
    {#- an incremental build scans only the files it loads (macros/raw/incremental.sql) -#}
    {%- for file in raw_files_to_load(table_name, table_files.files) %}
    select count(*) from read_csv(
        {{ sql_string(file) }},
        header = true, all_varchar = true, strict_mode = true,
        store_rejects = true, rejects_table = '{{ names.errors }}', rejects_scan = '{{ names.scans }}'
    );
    {%- endfor %}
{%- endmacro %}


{#-
    The lines the rejects scan recorded, one row per malformed line: raw_file, line_number (as the CSV
    reader counts them; the header is line 1), reject_errors (DuckDB's error types, e.g. TOO MANY
    COLUMNS, MISSING COLUMNS) and raw_text (the line as it is in the file). A SELECT statement.
-#}
{% macro raw_malformed_lines(table_name) -%}
    {{ return(adapter.dispatch('raw_malformed_lines')(table_name)) }}
{%- endmacro %}

{% macro default__raw_malformed_lines(table_name) -%}
    {%- set names = raw_rejects_tables(table_name) -%}
    select
        scans.file_path as raw_file,
        errors.line as line_number,
        string_agg(distinct errors.error_type, ', ' order by errors.error_type) as reject_errors,
        trim(min(errors.csv_line), chr(13) || chr(10)) as raw_text
    from temp.main.{{ names.errors }} as errors
    inner join temp.main.{{ names.scans }} as scans
        on errors.scan_id = scans.scan_id and errors.file_id = scans.file_id
    group by scans.file_path, errors.line
{%- endmacro %}
