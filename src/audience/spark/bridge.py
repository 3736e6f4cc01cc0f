"""Copy tables from a DuckDB warehouse file to Spark (same schema and name), through Arrow.

The transitional step while part of the SQL does not build on Spark yet (README, "Running on Apache
Spark"): the marts DuckDB built are loaded into Spark so that the fit on a sample and the SQL scorers
run there; the Spark test uses it to compare the two engines on the same inputs.
"""

from __future__ import annotations

from pathlib import Path

import duckdb


def copy_from_duckdb(spark, warehouse: Path, tables: list[str], log=print) -> dict[str, int]:
    """Each `schema.table` of the DuckDB file as a Spark table of the same name; rows copied per table."""
    copied = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table in tables:
            schema, name = table.split(".")
            arrow = con.sql(f'select * from "{schema}"."{name}"').to_arrow_table()
            spark.sql(f"create schema if not exists {schema}")
            spark.createDataFrame(arrow).write.mode("overwrite").saveAsTable(f"{schema}.{name}")
            copied[table] = arrow.num_rows
            log(f"[bridge] {table}: {arrow.num_rows} rows copied from {warehouse} to Spark")
    return copied
