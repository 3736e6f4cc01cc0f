-- every file in the raw data directory: the contract table it was read as (or `unrecognized`: named in a
-- warning, never read) and the rows read from it (malformed CSV lines included)
{%- set inventory = raw_inventory() %}
{%- for entry in inventory if entry.table == 'unrecognized' %}
    {%- do exceptions.warn(
        "raw file " ~ entry.file ~ " is not a contract table and was not read (expected <table>.csv, "
        ~ ".csv.gz, .csv.zst or .parquet, or a directory <table>/ of such files; see dq_raw_files)"
    ) %}
{%- endfor %}

with

inventory as (
    {%- if inventory %}
        select
            files.raw_file,
            files.relative_path,
            files.source_name,
            files.table_name,
            files.file_format
        from (
            values
            {%- for entry in inventory %}
                (
                    {{ sql_string(entry.file) }},
                    {{ sql_string(entry.relative_path) }},
                    {{ sql_string(entry.source) if entry.source else 'cast(null as varchar)' }},
                    {{ sql_string(entry.table) }},
                    {{ sql_string(entry.format) if entry.format else 'cast(null as varchar)' }}
                ){{ ',' if not loop.last }}
            {%- endfor %}
        ) as files (raw_file, relative_path, source_name, table_name, file_format)
    {%- else %}
        select
            cast(null as varchar) as raw_file,
            cast(null as varchar) as relative_path,
            cast(null as varchar) as source_name,
            cast(null as varchar) as table_name,
            cast(null as varchar) as file_format
        where false
    {%- endif %}
),

{% for raw in raw_tables() %}
    {{ raw.table }}_file_rows as (
        select
            _raw_file as raw_file,
            count(*) as rows_read,
            count(*) filter (where reject_reason = 'malformed_row') as malformed_rows
        from {{ ref(raw.base) }}
        group by _raw_file
    ),

{% endfor %}
file_rows as (
    {%- for raw in raw_tables() %}
        select * from {{ raw.table }}_file_rows
        {{- "\n    union all" if not loop.last }}
    {%- endfor %}
)

select
    inventory.raw_file,
    inventory.relative_path,
    inventory.source_name,
    inventory.table_name,
    inventory.file_format,
    inventory.table_name != 'unrecognized' as is_read,
    case when inventory.table_name != 'unrecognized' then coalesce(file_rows.rows_read, 0) end as rows_read,
    case
        when inventory.table_name != 'unrecognized' then coalesce(file_rows.malformed_rows, 0)
    end as malformed_rows
from inventory
left join file_rows
    on inventory.raw_file = file_rows.raw_file
order by inventory.raw_file
