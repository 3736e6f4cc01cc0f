"""Reading the report's inputs from a DuckDB file, read-only, failing soft.

Every input is asked for by its documented mart name and columns. A missing table (not built yet, or
built by a later part of the project), a missing column or an empty table becomes a `NoData` with
the reason, which the report shows as a "no data because ..." panel instead of a broken chart.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd


@dataclass(frozen=True)
class NoData:
    """Why a chart has nothing to show, in words for the reader of the report."""

    reason: str


class Source:
    """A read-only DuckDB connection to the published file (or the warehouse) with soft reads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.con = duckdb.connect(str(path), read_only=True)

    def close(self) -> None:
        self.con.close()

    def columns(self, schema: str, table: str) -> list[str]:
        """The columns of `schema.table`; empty when it does not exist."""
        rows = self.con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, table],
        ).fetchall()
        return [name for (name,) in rows]

    def missing(self, schema: str, table: str, needed: list[str] = ()) -> NoData | None:
        """NoData when `schema.table` or one of the `needed` columns does not exist; else None."""
        found = self.columns(schema, table)
        if not found:
            return NoData(f"the table {schema}.{table} does not exist in {self.path.name} (not built)")
        absent = [c for c in needed if c not in found]
        if absent:
            return NoData(f"{schema}.{table} has no column(s) {', '.join(absent)}")
        return None

    def frame(
        self, sql: str, tables: dict[str, list[str]], *, empty: str | None = None, params: list | None = None
    ) -> pd.DataFrame | NoData:
        """The result of `sql`, or NoData when an input of `tables` ({"schema.table": [columns]}) is
        missing or the result is empty (`empty` says why it would be)."""
        for name, needed in tables.items():
            schema, table = name.split(".", 1)
            absent = self.missing(schema, table, needed)
            if absent:
                return absent
        result = self.con.execute(sql, params or []).df()
        if result.empty:
            names = ", ".join(tables)
            return NoData(empty or f"{names} {'is' if len(tables) == 1 else 'are'} empty")
        return result

    def value(self, sql: str, params: list | None = None):
        """The first value of the first row of `sql` (None when there is none)."""
        row = self.con.execute(sql, params or []).fetchone()
        return row[0] if row else None
