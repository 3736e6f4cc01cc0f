"""`audience publish`: the marts BI tools read, published as one consistent read-only unit per build.

DuckDB lets one process write a database file, and a reader of that file blocks the writer: a
dashboard holding the build's own file makes the next `dbt build` fail. So BI tools never open the
build's file. After a build that passed, `publish` copies the schemas it serves (``main``, the marts;
``ml``, the raw model outputs, and ``history``, the segment history, which the report plots) into a
NEW DuckDB file beside the published one and renames it into place (``os.replace``: atomic on POSIX),
so that

- a reader never blocks a build (the build writes ``data/warehouse.duckdb``; readers open
  ``data/serving/audience.duckdb``), and publishing never opens the published file for writing;
- a reader never sees a mix of two builds: the file behind a path is either all of the old build or
  all of the new one, and ``main.published_build`` (one row) says which;
- a failed build publishes nothing: ``publish`` refuses when the last dbt invocation
  (``<target>/run_results.json``) has an error, a failed test or a skipped node.

What a reader holding an open connection sees (Linux, macOS): an open file is an inode, not a name.
The rename points the name at the new inode; the old one lives on, unchanged, until its last
descriptor closes. So an open connection keeps reading the build it opened, consistently, for as long
as it stays open; a new connection sees the new build. Tools that pool connections show the new build
when they reconnect. In one process, close the old connection before reconnecting: DuckDB caches one
database instance per path, and a connection opened while the old one is alive gets the old instance.
(On Windows a file that is open cannot be replaced: there ``publish`` fails and says so.)

Parquet, for tools that prefer files: ``parquet/builds/<build_id>/<mart>.parquet`` per mart of
``main``, and ``parquet/current``, a symlink replaced atomically after the DuckDB file. Read through
``parquet/current/``; the previous build's directory is kept for readers in the middle of a scan.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from audience.warehouse import warehouse_path

SERVED_SCHEMAS = ("main", "ml", "history")  # main: the marts BI reads; ml, history: what the report plots
PARQUET_SCHEMA = "main"
PUBLISHED_NAME = "audience.duckdb"
BUILD_TABLE = "published_build"
TABLES_TABLE = "published_tables"
KEEP_PARQUET_BUILDS = 2
FAILED_STATUSES = {"error", "fail", "runtime error", "skipped"}


class PublishRefused(RuntimeError):
    """The last build did not pass (or cannot be read): nothing was published."""


@dataclass(frozen=True)
class Publication:
    build_id: str
    path: Path
    parquet_dir: Path
    tables: dict[str, int]  # "schema.table" -> rows
    seconds: float


def serving_dir(warehouse: Path | None = None) -> Path:
    """Where the published files live: SERVING_DIR, default `serving/` beside the warehouse file."""
    if os.environ.get("SERVING_DIR"):
        return Path(os.environ["SERVING_DIR"])
    return (warehouse or warehouse_path()).parent / "serving"


def published_path(directory: Path | None = None) -> Path:
    """The published DuckDB file that BI tools and the report open (read-only)."""
    return (directory or serving_dir()) / PUBLISHED_NAME


def dbt_target_path() -> Path:
    """dbt's target directory: DBT_TARGET_PATH, default `target` (as dbt_project.yml)."""
    return Path(os.environ.get("DBT_TARGET_PATH", "target"))


def last_build(run_results: Path) -> dict:
    """The last dbt invocation's id, time and command; PublishRefused when any node did not pass."""
    if not run_results.exists():
        raise PublishRefused(
            f"no {run_results}: run `dbt build` first (publish reads it to know the build passed)"
        )
    results = json.loads(run_results.read_text())
    failed = [
        f"{result['unique_id']} ({result['status']})"
        for result in results.get("results", [])
        if str(result.get("status", "")).lower() in FAILED_STATUSES
    ]
    if failed:
        shown = ", ".join(failed[:5]) + (f" and {len(failed) - 5} more" if len(failed) > 5 else "")
        raise PublishRefused(f"the last dbt invocation did not pass: {shown}; nothing was published")
    metadata = results.get("metadata", {})
    return {
        "invocation_id": metadata.get("invocation_id") or "unknown",
        "generated_at": metadata.get("generated_at"),
    }


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy_schemas(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...]) -> dict[str, int]:
    """Copy every table and view of `schemas` of the attached `build` database as tables."""
    relations = con.execute(
        """
        select table_schema, table_name from information_schema.tables
        where table_catalog = 'build' and table_schema in (select unnest(?::varchar[]))
        order by table_schema, table_name
        """,
        [list(schemas)],
    ).fetchall()
    copied: dict[str, int] = {}
    for schema, table in relations:
        con.execute(f'create schema if not exists "{schema}"')
        con.execute(f'create table "{schema}"."{table}" as select * from build."{schema}"."{table}"')
        copied[f"{schema}.{table}"] = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
    return copied


def _write_parquet(con: duckdb.DuckDBPyConnection, tables: list[str], out_dir: Path) -> None:
    out_dir.mkdir(parents=True)
    for table in tables:
        target = str(out_dir / f"{table}.parquet").replace("'", "''")
        con.execute(f'copy "{PARQUET_SCHEMA}"."{table}" to \'{target}\' (format parquet, compression zstd)')


def _swap_symlink(link: Path, target: str) -> None:
    tmp = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    os.replace(tmp, link)


def _prune_parquet(builds_dir: Path, keep: list[str]) -> None:
    for child in builds_dir.iterdir():
        if child.name not in keep:
            shutil.rmtree(child, ignore_errors=True)


def publish(
    warehouse: Path | None = None,
    directory: Path | None = None,
    run_results: Path | None = None,
    *,
    schemas: tuple[str, ...] = SERVED_SCHEMAS,
) -> Publication:
    """Publish `schemas` of the build's warehouse as a new file renamed over the published one.

    Refuses (PublishRefused, nothing written) when the last dbt invocation did not pass.
    """
    started = time.perf_counter()
    warehouse = warehouse or warehouse_path()
    directory = directory or serving_dir(warehouse)
    run_results = run_results or dbt_target_path() / "run_results.json"
    build = last_build(run_results)
    if not warehouse.exists():
        raise PublishRefused(f"no warehouse at {warehouse}: run `dbt build` first")
    published_at = datetime.now(UTC)
    build_id = f"{published_at:%Y%m%dT%H%M%S%fZ}-{build['invocation_id'][:8]}"
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / PUBLISHED_NAME
    tmp = directory / f".{PUBLISHED_NAME}.{build_id}.tmp"
    parquet_root = directory / "parquet"
    builds_dir = parquet_root / "builds"
    try:
        with duckdb.connect(str(tmp)) as con:
            source = str(warehouse).replace("'", "''")
            con.execute(f"attach '{source}' as build (read_only)")
            tables = _copy_schemas(con, schemas)
            con.execute("detach build")
            con.execute(
                f"""
                create table main.{BUILD_TABLE} as select
                    ?::varchar as build_id, ?::timestamptz as published_at, ?::varchar as dbt_invocation_id,
                    ?::timestamptz as dbt_generated_at, ?::varchar as source_warehouse
                """,
                [build_id, published_at, build["invocation_id"], build["generated_at"], str(warehouse)],
            )
            con.execute(
                f"create table main.{TABLES_TABLE} (table_schema varchar, table_name varchar, row_count bigint)"
            )
            con.executemany(
                f"insert into main.{TABLES_TABLE} values (?, ?, ?)",
                [[*name.split(".", 1), rows] for name, rows in tables.items()],
            )
            main_tables = [name.split(".", 1)[1] for name in tables if name.startswith(f"{PARQUET_SCHEMA}.")]
            _write_parquet(con, [*main_tables, BUILD_TABLE, TABLES_TABLE], builds_dir / build_id)
            con.execute("checkpoint")
        _fsync(tmp)
        os.replace(tmp, final)  # the published unit switches here, all at once
        _fsync(directory)
        _swap_symlink(parquet_root / "current", f"builds/{build_id}")
    except BaseException:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
        shutil.rmtree(builds_dir / build_id, ignore_errors=True)
        raise
    kept = sorted(p.name for p in builds_dir.iterdir())[-KEEP_PARQUET_BUILDS:]
    _prune_parquet(builds_dir, kept)
    return Publication(build_id, final, parquet_root / "current", tables, time.perf_counter() - started)


def connect_published(path: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published file (what BI tools and the report open)."""
    path = path or published_path()
    if not path.exists():
        raise FileNotFoundError(f"nothing published at {path}: run `make run` (or `audience publish`)")
    return duckdb.connect(str(path), read_only=True)
