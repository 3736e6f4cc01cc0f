"""Where the warehouse, raw data and dbt live, as the Makefile and profiles.yml define them."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb


def warehouse_path() -> Path:
    """The DuckDB file dbt builds: WAREHOUSE_PATH, default data/warehouse.duckdb (as profiles.yml)."""
    return Path(os.environ.get("WAREHOUSE_PATH", "data/warehouse.duckdb"))


def connect_read_only(path: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse; a clear error when it was never built."""
    path = path or warehouse_path()
    if not path.exists():
        raise FileNotFoundError(f"no warehouse at {path}: run `make run` (or `dbt build`) first")
    return duckdb.connect(str(path), read_only=True)


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """Whether `schema.table` exists (as a table or a view)."""
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(found and found[0])
