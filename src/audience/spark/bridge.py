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


def downstream_models(manifest: dict) -> set[str]:
    """Unique ids of the SQL models downstream of the dbt Python models (`path:python_models+`, less them)."""
    nodes, children = manifest["nodes"], manifest["child_map"]
    python = [uid for uid, node in nodes.items() if node.get("language") == "python"]
    seen, todo = set(), list(python)
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in seen and child in nodes and nodes[child]["resource_type"] == "model":
                seen.add(child)
                todo.append(child)
    return {uid for uid in seen if nodes[uid].get("language") != "python"}


def bridged_tables(manifest: dict) -> list[str]:
    """What the Spark part after `dbt_build_sql` reads from upstream, as `schema.name`: the inputs of the
    fit's Python models, of the SQL models downstream of them and of their tests (seeds included)."""
    nodes = {**manifest["nodes"], **manifest.get("sources", {})}
    downstream = downstream_models(manifest)
    readers = [uid for uid, node in manifest["nodes"].items() if node.get("language") == "python"]
    # and the tests of the downstream models (a relationships test reads its other model or seed)
    readers += [
        uid
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "test" and set(node["depends_on"]["nodes"]) & downstream
    ]
    tables = set()
    for uid in [*readers, *downstream]:
        for parent in nodes[uid]["depends_on"]["nodes"]:
            node = nodes[parent]
            if parent in downstream or node.get("language") == "python" or node["resource_type"] == "source":
                continue
            tables.add(f"{node['schema']}.{node.get('alias') or node['name']}")
    return sorted(tables)
