"""Compare two DuckDB warehouse files table by table: `audience diff-warehouses A.duckdb B.duckdb`.

Every table and view of every schema is compared as a multiset of rows (row order never matters,
duplicates count): a relation is `equal` when both files hold it with the same columns, the same column
types and the same rows, compared exactly (doubles too: 0.1 + 0.2 is not 0.3). With a `tolerance`, a
table whose only differences are in float columns is `equal_within_tolerance` when its differing rows
pair up (sorted by the other columns, then the floats) with every float within
`tolerance * max(1, |a|, |b|)` (absolute near 0, relative above 1).

Uses: old-versus-new outputs of a refactoring, an incremental build against a full build, and two
builds of the same input (rebuild-identical). Columns that are build metadata (`built_at`) are left out
with `ignore_columns`: a bare name applies to every relation, `table.column` or `schema.table.column`
to one. `include` / `exclude` select relations by `fnmatch` patterns on `schema.name`; with
`ignore_new`, relations only in B (models a change added) are listed but are no difference.

How: both files are attached read-only to one in-memory DuckDB; per relation, one hash aggregate over
the rows of both sides counts every distinct row on each side (`group by all`, which DuckDB can spill
to disk); rows whose counts differ are the differences. Memory is bounded by `memory_limit`.
"""

from __future__ import annotations

import fnmatch
import json
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

FLOAT_TYPES = {"FLOAT", "DOUBLE", "REAL"}
SIDES = ("a", "b")


@dataclass
class RelationDiff:
    """What differs in one relation (`schema.name`) between warehouse A and warehouse B."""

    relation: str
    status: str  # equal | equal_within_tolerance | differs | only_in_a | only_in_b | error
    kind_a: str | None = None  # table | view
    kind_b: str | None = None
    rows_a: int | None = None
    rows_b: int | None = None
    rows_only_in_a: int = 0
    rows_only_in_b: int = 0
    columns_only_in_a: list[str] = field(default_factory=list)
    columns_only_in_b: list[str] = field(default_factory=list)
    type_differences: dict[str, tuple[str, str]] = field(default_factory=dict)
    differing_columns: list[str] = field(default_factory=list)
    max_float_difference: float | None = None
    sample_only_in_a: list[dict] = field(default_factory=list)
    sample_only_in_b: list[dict] = field(default_factory=list)
    error: str | None = None

    accepted: bool = False  # only_in_b with `ignore_new`: reported, not a difference

    @property
    def is_equal(self) -> bool:
        return self.status in ("equal", "equal_within_tolerance") or self.accepted

    def describe(self) -> str:
        """One line, plus indented details when the relation differs."""
        if self.status in ("only_in_a", "only_in_b"):
            return f"{self.status:<22} {self.relation} ({self.kind_a or self.kind_b})"
        kinds = self.kind_a if self.kind_a == self.kind_b else f"{self.kind_a} -> {self.kind_b}"
        head = f"{self.status:<22} {self.relation} ({kinds}"
        head += (
            f", {self.rows_a} rows)"
            if self.rows_a == self.rows_b
            else f", {self.rows_a} vs {self.rows_b} rows)"
        )
        if self.status == "equal_within_tolerance":
            head += f" max float difference {self.max_float_difference:.3g}"
        lines = [head]
        if self.error:
            lines.append(f"    error: {self.error}")
        if self.columns_only_in_a:
            lines.append(f"    columns only in A: {', '.join(self.columns_only_in_a)}")
        if self.columns_only_in_b:
            lines.append(f"    columns only in B: {', '.join(self.columns_only_in_b)}")
        for column, (type_a, type_b) in self.type_differences.items():
            lines.append(f"    type of {column}: {type_a} in A, {type_b} in B")
        if self.rows_only_in_a or self.rows_only_in_b:
            lines.append(f"    rows only in A: {self.rows_only_in_a}, rows only in B: {self.rows_only_in_b}")
        if self.differing_columns:
            lines.append(f"    columns whose values differ: {', '.join(self.differing_columns)}")
        for label, sample in (("A", self.sample_only_in_a), ("B", self.sample_only_in_b)):
            for row in sample:
                lines.append(f"    only in {label}: {json.dumps(row, default=str)}")
        return "\n".join(lines)


@dataclass
class WarehouseDiff:
    """The comparison of every relation of two warehouse files."""

    path_a: str
    path_b: str
    relations: list[RelationDiff]

    @property
    def is_equal(self) -> bool:
        return all(relation.is_equal for relation in self.relations)

    @property
    def differences(self) -> list[RelationDiff]:
        return [relation for relation in self.relations if not relation.is_equal]

    def report(self, *, verbose: bool = False) -> str:
        """A plain-text report: the differing relations (and with `verbose` the equal ones too)."""
        shown = self.relations if verbose else [r for r in self.relations if not r.is_equal or r.accepted]
        counts: dict[str, int] = {}
        for relation in self.relations:
            counts[relation.status] = counts.get(relation.status, 0) + 1
        summary = ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
        lines = [f"A = {self.path_a}", f"B = {self.path_b}", f"{len(self.relations)} relations: {summary}"]
        lines += [relation.describe() for relation in shown]
        lines.append("IDENTICAL" if self.is_equal else f"DIFFERENT: {len(self.differences)} relation(s)")
        return "\n".join(lines)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _relations(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, str]:
    rows = con.execute(
        """
        select schema_name || '.' || table_name, 'table' from duckdb_tables()
        where database_name = ? and not internal and not temporary
        union all
        select schema_name || '.' || view_name, 'view' from duckdb_views()
        where database_name = ? and not internal and not temporary
        """,
        [catalog, catalog],
    ).fetchall()
    return dict(rows)


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, relation: str) -> dict[str, str]:
    schema, name = relation.split(".", 1)
    rows = con.execute(
        """
        select column_name, data_type from duckdb_columns()
        where database_name = ? and schema_name = ? and table_name = ?
        order by column_index
        """,
        [catalog, schema, name],
    ).fetchall()
    return dict(rows)


def _is_ignored(relation: str, column: str, ignore_columns: Sequence[str]) -> bool:
    schema, name = relation.split(".", 1)
    candidates = {column, f"{name}.{column}", f"{schema}.{name}.{column}"}
    return any(pattern in candidates for pattern in ignore_columns)


def _selected(relation: str, include: Sequence[str], exclude: Sequence[str]) -> bool:
    if include and not any(fnmatch.fnmatchcase(relation, pattern) for pattern in include):
        return False
    return not any(fnmatch.fnmatchcase(relation, pattern) for pattern in exclude)


def _compare_rows(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    columns: list[str],
    float_columns: list[str],
    result: RelationDiff,
    *,
    tolerance: float,
    sample_rows: int,
) -> None:
    schema, name = relation.split(".", 1)
    select_list = ", ".join(_quote(column) for column in columns) if columns else "1 as no_columns"
    sources = {side: f"{side}.{_quote(schema)}.{_quote(name)}" for side in SIDES}
    result.rows_a, result.rows_b = con.execute(
        f"select (select count(*) from {sources['a']}), (select count(*) from {sources['b']})"
    ).fetchone()
    con.execute(
        f"""
        create or replace temp table differing_rows as
        select * exclude (rows_a, rows_b), rows_a - rows_b as surplus
        from (
            select {select_list}, count(*) filter (where side_ = 'a') as rows_a,
                count(*) filter (where side_ = 'b') as rows_b
            from (
                select {select_list}, 'a' as side_ from {sources["a"]}
                union all
                select {select_list}, 'b' as side_ from {sources["b"]}
            )
            group by all
        )
        where rows_a != rows_b
        """
    )
    result.rows_only_in_a, result.rows_only_in_b = con.execute(
        "select coalesce(sum(surplus) filter (where surplus > 0), 0),"
        " coalesce(-sum(surplus) filter (where surplus < 0), 0) from differing_rows"
    ).fetchone()
    if not (result.rows_only_in_a or result.rows_only_in_b):
        result.status = "equal"
        return
    result.status = "differs"
    # one row per surplus copy, numbered within its side in the order of the non-float columns first
    other_columns = [column for column in columns if column not in float_columns]
    order = ", ".join(_quote(column) for column in other_columns + float_columns) or "1"
    con.execute(
        f"""
        create or replace temp table paired_rows as
        select *, row_number() over (partition by side_ order by {order}) as pair_number
        from (
            select * exclude (surplus, copy_), case when surplus > 0 then 'a' else 'b' end as side_
            from (select *, unnest(range(abs(surplus))) as copy_ from differing_rows)
        )
        """
    )
    for side in SIDES:
        frame = con.execute(
            f"select {select_list} from paired_rows where side_ = ? order by pair_number limit {sample_rows}",
            [side],
        ).fetchall()
        names = columns or ["no_columns"]
        rows = [dict(zip(names, row, strict=True)) for row in frame]
        setattr(result, f"sample_only_in_{side}", rows)
    if result.rows_only_in_a != result.rows_only_in_b:
        return
    # rows paired by their position: which columns differ, and are the float differences within tolerance?
    checks = [
        f"count_if(row_a.{_quote(column)} is distinct from row_b.{_quote(column)}) as {_quote(column)}"
        for column in columns
    ]
    float_gaps = [
        f"abs(row_a.{_quote(column)} - row_b.{_quote(column)}) / greatest(1.0, abs(row_a.{_quote(column)}),"
        f" abs(row_b.{_quote(column)}))"
        for column in float_columns
    ]
    largest = f"max(greatest({', '.join(float_gaps)}))" if float_gaps else "null"
    outcome = con.execute(
        f"""
        select {", ".join(checks) + "," if checks else ""} {largest} as largest_gap_
        from paired_rows as row_a
        inner join paired_rows as row_b
            on row_a.pair_number = row_b.pair_number and row_a.side_ = 'a' and row_b.side_ = 'b'
        """
    ).fetchone()
    counts, largest_gap = outcome[:-1], outcome[-1]
    result.differing_columns = [column for column, count in zip(columns, counts, strict=True) if count]
    only_floats = set(result.differing_columns) <= set(float_columns)
    if only_floats and largest_gap is not None:
        result.max_float_difference = float(largest_gap)
        if tolerance > 0 and largest_gap <= tolerance:
            result.status = "equal_within_tolerance"


def diff_warehouses(
    path_a: str | Path,
    path_b: str | Path,
    *,
    ignore_columns: Iterable[str] = (),
    include: Iterable[str] = (),
    exclude: Iterable[str] = (),
    tolerance: float = 0.0,
    sample_rows: int = 3,
    memory_limit: str | None = "2GB",
    threads: int | None = None,
    ignore_new: bool = False,
) -> WarehouseDiff:
    """Compare every relation of the DuckDB files `path_a` and `path_b` (see the module docstring)."""
    for path in (path_a, path_b):
        if not Path(path).exists():
            raise FileNotFoundError(f"no DuckDB file at {path}")
    ignore_columns, include, exclude = list(ignore_columns), list(include), list(exclude)
    results: list[RelationDiff] = []
    with tempfile.TemporaryDirectory(prefix="warehouse_diff_") as spill, duckdb.connect() as con:
        con.execute(f"set temp_directory = '{spill}'")
        con.execute("set preserve_insertion_order = false")
        if memory_limit:
            con.execute(f"set memory_limit = '{memory_limit}'")
        if threads:
            con.execute(f"set threads = {int(threads)}")
        for side, path in zip(SIDES, (path_a, path_b), strict=True):
            con.execute(f"attach '{Path(path)}' as {side} (read_only)")
        relations = {side: _relations(con, side) for side in SIDES}
        names = sorted(set(relations["a"]) | set(relations["b"]))
        for relation in (name for name in names if _selected(name, include, exclude)):
            kind_a, kind_b = relations["a"].get(relation), relations["b"].get(relation)
            result = RelationDiff(relation, "differs", kind_a, kind_b)
            results.append(result)
            if kind_a is None or kind_b is None:
                result.status = "only_in_b" if kind_a is None else "only_in_a"
                result.accepted = ignore_new and kind_a is None
                continue
            columns_a, columns_b = (_columns(con, side, relation) for side in SIDES)
            kept_a = [c for c in columns_a if not _is_ignored(relation, c, ignore_columns)]
            kept_b = [c for c in columns_b if not _is_ignored(relation, c, ignore_columns)]
            result.columns_only_in_a = [c for c in kept_a if c not in columns_b]
            result.columns_only_in_b = [c for c in kept_b if c not in columns_a]
            common = [c for c in kept_a if c in columns_b]
            result.type_differences = {
                c: (columns_a[c], columns_b[c]) for c in common if columns_a[c] != columns_b[c]
            }
            float_columns = [c for c in common if columns_a[c] in FLOAT_TYPES and columns_b[c] in FLOAT_TYPES]
            try:
                _compare_rows(
                    con, relation, common, float_columns, result, tolerance=tolerance, sample_rows=sample_rows
                )
            except duckdb.Error as error:
                result.status, result.error = "error", str(error).splitlines()[0]
                continue
            if result.columns_only_in_a or result.columns_only_in_b or result.type_differences:
                result.status = "differs"
    return WarehouseDiff(str(path_a), str(path_b), results)


def main(argv: Sequence[str] | None = None) -> int:
    """`audience diff-warehouses A B [...]`: print the report; exit 1 when anything differs."""
    import argparse

    parser = argparse.ArgumentParser(prog="audience diff-warehouses", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


def add_arguments(parser) -> None:
    """The CLI arguments (shared by `audience diff-warehouses` and `python -m audience.warehouse_diff`)."""
    parser.add_argument("warehouse_a")
    parser.add_argument("warehouse_b")
    parser.add_argument(
        "--ignore-columns",
        default="",
        help="comma-separated columns left out: name, table.name or schema.table.name (e.g. built_at)",
    )
    parser.add_argument("--include", action="append", default=[], help="only schema.name matching (glob)")
    parser.add_argument(
        "--exclude", action="append", default=[], help="leave out schema.name matching (glob)"
    )
    parser.add_argument(
        "--tolerance",
        type=float,
        default=0.0,
        help="float columns: max |a-b| / max(1, |a|, |b|) (default exact)",
    )
    parser.add_argument(
        "--ignore-new",
        action="store_true",
        help="relations only in B (new models) are listed, not differences",
    )
    parser.add_argument("--memory-limit", default="2GB")
    parser.add_argument("--verbose", action="store_true", help="list the equal relations too")
    parser.add_argument("--json", dest="json_out", help="also write the per-relation results to this file")


def run(args) -> int:
    """Run the comparison the parsed CLI arguments describe; exit code 0 when identical."""
    from dataclasses import asdict

    diff = diff_warehouses(
        args.warehouse_a,
        args.warehouse_b,
        ignore_columns=[c.strip() for c in args.ignore_columns.split(",") if c.strip()],
        include=args.include,
        exclude=args.exclude,
        tolerance=args.tolerance,
        memory_limit=args.memory_limit,
        ignore_new=args.ignore_new,
    )
    print(diff.report(verbose=args.verbose))
    if args.json_out:
        Path(args.json_out).write_text(
            json.dumps([asdict(relation) for relation in diff.relations], indent=2, default=str) + "\n"
        )
    return 0 if diff.is_equal else 1


if __name__ == "__main__":
    sys.exit(main())
