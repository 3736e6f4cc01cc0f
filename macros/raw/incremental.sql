{#-
    Incremental refresh of the event models (README, "Incremental refresh").

    Raw event files arrive as a directory of daily files (`<raw_data_dir>/web_events/2024-12-01.parquet`,
    any names; see macros/raw/raw_files.sql). A file is loaded once: an incremental build of a base model
    reads the files whose rows are not yet in it (by `_raw_file`), and from the files already loaded only
    the rows whose contract key hashes like a new row's, so that duplicate detection (duplicate_row,
    duplicate_key) sees every row of a key exactly as a full build does; those keys are then replaced
    (delete+insert by the contract key).

    Downstream models rebuild a window: the days from `incremental_lookback_days` before the latest day
    they hold (incremental_window_start), and per affected visitor or customer everything that depends
    on those days (strategy keys_and_window). Events dated before the window that arrive later are only
    picked up by a full refresh.
-#}


{#-
    Whether an incremental build rebuilds the event models whole: erasure requests exist (an erasure must
    reach the rows already loaded and everything built from them, and a linked cookie is found over every
    row; macros/privacy/erasure.sql). The models stay incremental, their batch is then everything.
-#}
{% macro incremental_rebuilds_all() -%}
    {{ return(execute and erasure_is_active()) }}
{%- endmacro %}


{#- Pre-hook of the incremental base models: empties the table when the build rebuilds it whole. -#}
{% macro incremental_reset() -%}
    {%- if execute and is_incremental() and incremental_rebuilds_all() -%}
        delete from {{ this }}
    {%- endif -%}
{%- endmacro %}


{#- The materialization of the event models: incremental with var incremental_refresh, else table. -#}
{% macro event_materialization() -%}
    {{ return('incremental' if var('incremental_refresh') else 'table') }}
{%- endmacro %}


{#-
    The files of a base model's table (`table_name`) not yet loaded into it: all of `files` unless
    incremental. An incremental build needs a directory of files (a single file changes under the same
    name), and fails naming a loaded file that is gone (its rows would stay, or their keys' verdicts move).
-#}
{% macro raw_files_to_load(table_name, files) -%}
    {%- if not (execute and is_incremental()) or incremental_rebuilds_all() -%}
        {{ return(files) }}
    {%- endif -%}
    {%- for entry in raw_inventory() if entry.table == table_name and entry.layout != 'directory' -%}
        {{ exceptions.raise_compiler_error(
            "incremental_refresh: raw table '" ~ table_name ~ "' is the single file " ~ entry.file
            ~ "; an incremental build loads a directory " ~ raw_data_dir() ~ "/" ~ table_name
            ~ "/ of daily files (README, Incremental refresh), or set incremental_refresh: false"
        ) }}
    {%- endfor -%}
    {%- set loaded = run_query('select distinct _raw_file from ' ~ this ~ ' where _raw_file is not null') -%}
    {%- set loaded_files = loaded.columns[0].values() | list -%}
    {%- for file in loaded_files if file not in files -%}
        {{ exceptions.raise_compiler_error(
            "incremental_refresh: raw table '" ~ table_name ~ "': the loaded file " ~ file ~ " is gone; "
            ~ "restore it, or rebuild from the files present with `dbt build --full-refresh`"
        ) }}
    {%- endfor -%}
    {{ return(files | reject('in', loaded_files) | list) }}
{%- endmacro %}


{#-
    The first instant of the window an incremental model rebuilds, as a scalar subquery on `relation`:
    midnight of the latest day of `column` minus var `incremental_lookback_days` days (-infinity when
    the relation is empty or incremental_rebuilds_all: everything is rebuilt).
-#}
{% macro incremental_window_start(relation, column) -%}
    {%- if incremental_rebuilds_all() -%}
        {{ return("cast('-infinity' as timestamp)") }}
    {%- endif %}
    (
        select
            coalesce(
                cast(cast(max({{ column }}) as date) - {{ var('incremental_lookback_days') | int }} as timestamp),
                cast('-infinity' as timestamp)
            )
        from {{ relation }}
    )
{%- endmacro %}


{#-
    Incremental strategy `keys_and_window` (config incremental_strategy='keys_and_window'): deletes the
    target's rows whose unique_key (optional) is in the new batch or whose `incremental_window_column`
    lies in the window (incremental_window_start), then inserts the batch. A model using it rebuilds
    in its batch everything of the keys it touches, so rows that vanished are deleted too.
-#}
{% macro get_incremental_keys_and_window_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set batch = arg_dict['temp_relation'] -%}
    {%- set unique_key = arg_dict['unique_key'] -%}
    {%- set keys = ([unique_key] if unique_key is string else unique_key) if unique_key else [] -%}
    {%- set window_column = config.get('incremental_window_column') -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- if not keys and not window_column -%}
        {{ exceptions.raise_compiler_error(
            'incremental strategy keys_and_window needs a unique_key or incremental_window_column: ' ~ this
        ) }}
    {%- endif -%}
    delete from {{ target }} as target_rows
    where
        {%- if keys %}
        exists (
            select 1 from {{ batch }} as batch_rows
            where {% for key in keys %}batch_rows.{{ key }} = target_rows.{{ key }}{{ ' and ' if not loop.last }}{% endfor %}
        )
        {%- else %}
        false
        {%- endif %}
        {%- if window_column %}
        or target_rows.{{ window_column }} >= {{ incremental_window_start(target, window_column) }}
        {%- endif %};
    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ batch }}
{%- endmacro %}
