"""The export audit log: append-only tables in schema `audit` of the warehouse, written by `audience sync`.

dbt never builds into schema `audit` (no model, seed or snapshot has it), so `dbt build` and
`dbt build --full-refresh` leave it alone; only a deliberate `drop schema audit cascade` (README,
"Activation") resets it. The code only ever INSERTs.

* `audit.export_run_batches`: one row per batch file of a run, appended as soon as its outcome is known
  (`written` in a dry run, `sent`, `failed`, or `not_sent` after a failure), with the file's SHA-256.
* `audit.export_runs`: one row per run, appended when the run ends (`dry_run`, `succeeded`, `failed`,
  `empty`), with the hash of each file in batch order.

A run's batch rows are written before its run row, so a process killed mid-sync leaves batch rows
without a run row (visible, never a run claiming more than was sent). No row holds an identifier or
a subject id: erasure never has to rewrite this log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

SCHEMA = "audit"

_DDL = [
    f"create schema if not exists {SCHEMA}",
    f"""
    create table if not exists {SCHEMA}.export_runs (
        run_id varchar not null primary key,
        audience_name varchar not null,
        destination varchar not null,
        destination_audience_id varchar,
        sync_mode varchar not null,
        is_dry_run boolean not null,
        members bigint not null,
        rows bigint not null,
        rows_without_identifier bigint not null,
        batches integer not null,
        rows_sent bigint not null,
        file_sha256 varchar[] not null,
        export_dir varchar not null,
        members_built_at timestamp,
        started_at timestamp not null,
        finished_at timestamp not null,
        outcome varchar not null,
        error varchar
    )
    """,
    f"""
    create table if not exists {SCHEMA}.export_run_batches (
        run_id varchar not null,
        batch_seq integer not null,
        file_name varchar not null,
        file_sha256 varchar not null,
        rows bigint not null,
        outcome varchar not null,
        num_received bigint,
        num_invalid_entries bigint,
        recorded_at timestamp not null,
        primary key (run_id, batch_seq)
    )
    """,
]


@dataclass(frozen=True)
class RunRecord:
    """One row of `audit.export_runs`."""

    run_id: str
    audience_name: str
    destination: str
    destination_audience_id: str | None
    sync_mode: str
    is_dry_run: bool
    members: int
    rows: int
    rows_without_identifier: int
    batches: int
    rows_sent: int
    file_sha256: Sequence[str]
    export_dir: str
    members_built_at: dt.datetime | None
    started_at: dt.datetime
    finished_at: dt.datetime
    outcome: str
    error: str | None


def utc_now() -> dt.datetime:
    """Now in UTC, naive (the warehouse stores UTC timestamps without zone), to the microsecond."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create schema `audit` and its tables when missing (never alters or empties them)."""
    for statement in _DDL:
        con.execute(statement)


def append_batch(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    batch_seq: int,
    file_name: str,
    file_sha256: str,
    rows: int,
    outcome: str,
    num_received: int | None = None,
    num_invalid_entries: int | None = None,
) -> None:
    """Append one batch row."""
    con.execute(
        f"insert into {SCHEMA}.export_run_batches values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            run_id,
            batch_seq,
            file_name,
            file_sha256,
            rows,
            outcome,
            num_received,
            num_invalid_entries,
            utc_now(),
        ],
    )


def append_run(con: duckdb.DuckDBPyConnection, record: RunRecord) -> None:
    """Append one run row."""
    con.execute(
        f"insert into {SCHEMA}.export_runs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            record.run_id,
            record.audience_name,
            record.destination,
            record.destination_audience_id,
            record.sync_mode,
            record.is_dry_run,
            record.members,
            record.rows,
            record.rows_without_identifier,
            record.batches,
            record.rows_sent,
            list(record.file_sha256),
            record.export_dir,
            record.members_built_at,
            record.started_at,
            record.finished_at,
            record.outcome,
            record.error,
        ],
    )
