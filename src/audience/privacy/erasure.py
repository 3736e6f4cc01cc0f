"""`audience erase`: the part of an erasure that happens outside dbt, run after each build (`make run`).

dbt removes the subject of a standing erasure request from every table at every build (README
"Erasure"; macros/privacy/erasure.sql). Three copies remain that dbt cannot reach, and this step handles
them once per new request (a request set not yet swept, `audit.erasure_sweeps`; `force` sweeps anyway):

1. **Export runs** (`<export dir>/<audience>/<run id>/`, written by `audience sync`): a run whose files
   hold a row of an erased subject (its EXTERN_ID, or its EMAIL hash) is deleted whole (the audit log
   keeps its file hashes, never an identifier). If the run was SENT to an `add` audience, Meta still
   holds the rows: with `send`, they are first removed (`DELETE /<id>/users`, the rows exactly as they
   were added) and the run is deleted once the removal succeeded; without `send` the run is kept
   (`pending`) so the removal can still be sent, and the step fails. A `replace` audience drops the
   person at its next sync (reported in `audiences_to_resync`). Finding EXTERN_IDs needs
   AUDIENCE_EXTERN_ID_SECRET; without it only EMAIL hashes are matched, and every run (whose rows cannot
   all be checked) is treated as holding an erased subject.
2. **Published copies** (`audience publish`, `<serving dir>/parquet/builds/<build>/`): every Parquet build
   but the current one is deleted (the published DuckDB file is a fresh copy of the build, nothing old
   in it). Publish must run before this step: the current copy must be the erased build.
3. **The warehouse file**: dropping, rewriting or deleting from a table frees its blocks, and DuckDB
   reuses free blocks but never overwrites them (neither `CHECKPOINT` nor `VACUUM` does), so the erased
   bytes stay in the file (ids are found by `grep`; emails are mostly FSST-compressed, still
   recoverable). The file is compacted: `COPY FROM DATABASE` into a fresh file, which is then renamed
   over the warehouse (`os.replace`), so nothing but the live data is left. It needs the write lock:
   not while dbt or a sync runs.

Every sweep is appended to `audit.erasure_sweeps` (counts only), every removal to
`audit.erasure_removals`. Neither holds an identifier.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from audience.activation.audit import utc_now
from audience.activation.meta import MetaCredentials, SyncError, make_api, remove_rows
from audience.activation.normalize import extern_id, normalize_email, sha256_hex

SECRET_ENV = "AUDIENCE_EXTERN_ID_SECRET"
AUDIT_SCHEMA = "audit"

_DDL = [
    f"create schema if not exists {AUDIT_SCHEMA}",
    f"""
    create table if not exists {AUDIT_SCHEMA}.erasure_sweeps (
        sweep_id varchar not null primary key,
        swept_at timestamp not null,
        requests_in_force bigint not null,
        requests_fingerprint varchar not null,
        erased_rows bigint not null,
        export_runs_deleted integer not null,
        export_runs_pending integer not null,
        rows_removed_from_destinations bigint not null,
        audiences_to_resync varchar[] not null,
        published_builds_deleted integer not null,
        is_compacted boolean not null,
        bytes_before bigint,
        bytes_after bigint,
        outcome varchar not null,
        error varchar
    )
    """,
    f"""
    create table if not exists {AUDIT_SCHEMA}.erasure_removals (
        sweep_id varchar not null,
        audience_name varchar not null,
        destination_audience_id varchar,
        export_run_id varchar not null,
        rows bigint not null,
        num_received bigint,
        outcome varchar not null,
        error varchar,
        recorded_at timestamp not null
    )
    """,
]


class ErasureError(RuntimeError):
    """The sweep cannot run or did not finish; the message is safe to print (no identifier)."""


@dataclass(frozen=True)
class SweepSettings:
    """What one sweep does; the caller supplies every path (CLI: flags and environment)."""

    export_dir: Path
    serving_dir: Path | None = None
    send: bool = False
    force: bool = False
    compact: bool = True
    graph_url: str | None = None
    api_version: str | None = None


@dataclass
class SweepReport:
    """The outcome of one sweep (what the CLI prints; counts and names, never an identifier)."""

    outcome: str  # nothing_new | done | pending
    requests_in_force: int
    erased_rows: int
    export_runs_deleted: list[str] = field(default_factory=list)
    export_runs_pending: list[str] = field(default_factory=list)
    rows_removed_from_destinations: int = 0
    audiences_to_resync: list[str] = field(default_factory=list)
    published_builds_deleted: list[str] = field(default_factory=list)
    is_compacted: bool = False
    bytes_before: int | None = None
    bytes_after: int | None = None
    error: str | None = None


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the audit tables of erasure when missing (never alters or empties them)."""
    for statement in _DDL:
        con.execute(statement)


def request_state(con: duckdb.DuckDBPyConnection) -> tuple[int, int, str]:
    """(requests in force, erased raw rows, fingerprint) of the last build. The fingerprint changes when a
    request is added or removed: it hashes each request's type, time and which keys it names, and the
    erased rows per table, never an identifier."""
    try:
        requests = con.execute(
            """
            select coalesce(subject_type, ''), cast(requested_at as varchar), has_subject_id, has_email
            from staging.stg_crm__erasure_requests
            order by all
            """
        ).fetchall()
        erased = con.execute(
            """
            select table_name, any_value(erased_rows)
            from main.dq_source_reconciliation
            group by table_name
            order by table_name
            """
        ).fetchall()
    except duckdb.CatalogException as error:
        raise ErasureError(
            f"the warehouse has no erasure models yet: run `dbt build` first ({error})"
        ) from None
    text = json.dumps({"requests": requests, "erased_rows": erased}, default=str, sort_keys=True)
    return len(requests), sum(rows for _, rows in erased), hashlib.sha256(text.encode()).hexdigest()


def last_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    """The fingerprint of the last sweep that finished (`done`), if any."""
    found = con.execute(
        f"""
        select requests_fingerprint from {AUDIT_SCHEMA}.erasure_sweeps
        where outcome = 'done' order by swept_at desc limit 1
        """
    ).fetchone()
    return found[0] if found else None


def erased_keys(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """The erased keys by type (`customer`, `lead`, `email`), read live from the raw files through the view
    `restricted.stg_crm__erased_subjects` (never stored)."""
    keys: dict[str, set[str]] = {"customer": set(), "lead": set(), "email": set()}
    try:
        found = con.execute(
            "select erasure_key_type, erasure_key from restricted.stg_crm__erased_subjects"
        ).fetchall()
    except duckdb.Error as error:
        raise ErasureError(
            "cannot read the erasure requests through restricted.stg_crm__erased_subjects (it reads the raw "
            "files where the last build found them, relative paths from the dbt project directory: run "
            f"`audience erase` from there, with the raw files in place): {type(error).__name__}"
        ) from None
    for key_type, key in found:
        keys[key_type].add(key)
    return keys


def erased_row_matchers(keys: dict[str, set[str]], secret: str | None) -> tuple[set[str], set[str]]:
    """(EXTERN_IDs, EMAIL hashes) of the erased subjects as the customer-list files hold them."""
    extern_ids = set()
    if secret:
        for subject_type in ("customer", "lead"):
            extern_ids |= {extern_id(subject_type, subject_id, secret) for subject_id in keys[subject_type]}
    email_hashes = {sha256_hex(email) for email in map(normalize_email, keys["email"]) if email}
    return extern_ids, email_hashes


@dataclass(frozen=True)
class ErasedRows:
    """The rows of erased subjects in one export run: per batch file, its rows and whether it was sent."""

    audience_name: str
    run_id: str
    run_dir: Path
    schema: list[str]
    rows_by_file: dict[str, list[list[str]]]
    sent_files: set[str]

    @property
    def sent_rows(self) -> list[list[str]]:
        return [
            row for name, rows in sorted(self.rows_by_file.items()) if name in self.sent_files for row in rows
        ]


def _run_dirs(export_dir: Path) -> list[tuple[str, Path]]:
    if not export_dir.is_dir():
        return []
    return [
        (audience_dir.name, run_dir)
        for audience_dir in sorted(path for path in export_dir.iterdir() if path.is_dir())
        for run_dir in sorted(path for path in audience_dir.iterdir() if path.is_dir())
    ]


def find_erased_rows(
    audience_name: str,
    run_dir: Path,
    extern_ids: set[str],
    email_hashes: set[str],
    sent_files: set[str],
    match_all: bool = False,
) -> ErasedRows | None:
    """The rows of erased subjects in one run directory's batch files (None when there are none).
    `match_all`: every row counts (the EXTERN_IDs could not be computed)."""
    schema: list[str] = []
    rows_by_file: dict[str, list[list[str]]] = {}
    for path in sorted(run_dir.glob("batch-*.json")):
        payload = json.loads(path.read_bytes())
        schema = list(payload["schema"])
        id_column = schema.index("EXTERN_ID") if "EXTERN_ID" in schema else None
        email_column = schema.index("EMAIL") if "EMAIL" in schema else None
        matched = [
            row
            for row in payload["data"]
            if match_all
            or (id_column is not None and row[id_column] in extern_ids)
            or (email_column is not None and row[email_column] in email_hashes)
        ]
        if matched:
            rows_by_file[path.name] = matched
    if not rows_by_file:
        return None
    return ErasedRows(audience_name, run_dir.name, run_dir, schema, rows_by_file, sent_files)


def _export_run(con: duckdb.DuckDBPyConnection, run_id: str) -> tuple[dict | None, set[str]]:
    """The audit log's record of a run (sync mode, destination) and the names of its files that were sent."""
    found = con.execute(
        f"select sync_mode, destination_audience_id from {AUDIT_SCHEMA}.export_runs where run_id = ?",
        [run_id],
    ).fetchone()
    sent = con.execute(
        f"select file_name from {AUDIT_SCHEMA}.export_run_batches where run_id = ? and outcome = 'sent'",
        [run_id],
    ).fetchall()
    run = {"sync_mode": found[0], "destination_audience_id": found[1]} if found else None
    return run, {name for (name,) in sent}


def _audit_tables_exist(con: duckdb.DuckDBPyConnection) -> bool:
    found = con.execute(
        f"""
        select count(*) from information_schema.tables
        where table_schema = '{AUDIT_SCHEMA}' and table_name in ('export_runs', 'export_run_batches')
        """
    ).fetchone()
    return bool(found and found[0] == 2)


def purge_exports(
    con: duckdb.DuckDBPyConnection,
    sweep_id: str,
    keys: dict[str, set[str]],
    settings: SweepSettings,
    report: SweepReport,
    environ: dict,
) -> None:
    """Delete every export run holding an erased subject; remove sent add-mode rows from Meta first
    (settings.send) or keep the run as pending. Updates `report`."""
    runs = _run_dirs(settings.export_dir)
    if not runs:
        return
    secret = environ.get(SECRET_ENV) or None
    extern_ids, email_hashes = erased_row_matchers(keys, secret)
    has_audit = _audit_tables_exist(con)
    api = credentials = None
    resync = set()
    for audience_name, run_dir in runs:
        run, sent_files = _export_run(con, run_dir.name) if has_audit else (None, set())
        erased = find_erased_rows(
            audience_name, run_dir, extern_ids, email_hashes, sent_files, match_all=secret is None
        )
        if erased is None:
            continue
        sent_rows = erased.sent_rows
        if sent_rows and run is not None and run["sync_mode"] == "add":
            if not settings.send:
                report.export_runs_pending.append(f"{audience_name}/{run_dir.name}")
                continue
            if api is None:
                credentials = MetaCredentials.from_env(environ)
                api = make_api(credentials, graph_url=settings.graph_url, api_version=settings.api_version)
            try:
                results = remove_rows(
                    api, credentials, run["destination_audience_id"], erased.schema, sent_rows,
                    session_id=secrets.randbits(62) + 1,
                )  # fmt: skip
            except SyncError as failure:
                _append_removal(
                    con,
                    sweep_id,
                    audience_name,
                    run,
                    run_dir.name,
                    len(sent_rows),
                    None,
                    "failed",
                    str(failure),
                )
                report.export_runs_pending.append(f"{audience_name}/{run_dir.name}")
                report.error = str(failure)
                continue
            received = sum(result.num_received or 0 for result in results)
            _append_removal(
                con, sweep_id, audience_name, run, run_dir.name, len(sent_rows), received, "sent", None
            )
            report.rows_removed_from_destinations += len(sent_rows)
        elif sent_rows:
            resync.add(audience_name)
        shutil.rmtree(run_dir)
        report.export_runs_deleted.append(f"{audience_name}/{run_dir.name}")
    report.audiences_to_resync = sorted(resync)


def _append_removal(
    con: duckdb.DuckDBPyConnection,
    sweep_id: str,
    audience_name: str,
    run: dict,
    run_id: str,
    rows: int,
    received: int | None,
    outcome: str,
    error: str | None,
) -> None:
    con.execute(
        f"insert into {AUDIT_SCHEMA}.erasure_removals values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            sweep_id,
            audience_name,
            run["destination_audience_id"],
            run_id,
            rows,
            received,
            outcome,
            error,
            utc_now(),
        ],
    )


def prune_published(serving_dir: Path | None) -> list[str]:
    """Delete every published Parquet build but the current one; returns the deleted build ids."""
    if serving_dir is None:
        return []
    builds = serving_dir / "parquet" / "builds"
    current = serving_dir / "parquet" / "current"
    if not builds.is_dir():
        return []
    keep = current.resolve().name if current.exists() else None
    deleted = []
    for build in sorted(path for path in builds.iterdir() if path.is_dir()):
        if build.name != keep:
            shutil.rmtree(build)
            deleted.append(build.name)
    return deleted


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def compact_warehouse(path: Path) -> tuple[int, int]:
    """Copy the database into a fresh file (`COPY FROM DATABASE`) and rename it over `path`: the free
    blocks, with whatever they held, are gone. Returns (bytes before, bytes after)."""
    before = path.stat().st_size
    tmp = path.with_name(f".{path.name}.compact-{os.getpid()}.tmp")
    for leftover in (tmp, Path(f"{tmp}.wal")):
        leftover.unlink(missing_ok=True)
    try:
        with duckdb.connect() as con:
            con.execute(f"attach '{_sql_text(path)}' as compact_source (read_only)")
            con.execute(f"attach '{_sql_text(tmp)}' as compact_target")
            con.execute("copy from database compact_source to compact_target")
            con.execute("detach compact_source")
            con.execute("checkpoint compact_target")
            con.execute("detach compact_target")
        _fsync(tmp)
        os.replace(tmp, path)
        _fsync(path.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
        raise
    return before, path.stat().st_size


def _sql_text(path: Path) -> str:
    return str(path).replace("'", "''")


def run_erasure_sweep(warehouse: Path, settings: SweepSettings, environ: dict | None = None) -> SweepReport:
    """One sweep (module docstring). Raises ErasureError when it cannot run; a sweep that leaves removals
    pending returns outcome `pending` (and is repeated by the next one)."""
    environ = dict(os.environ if environ is None else environ)
    if not warehouse.exists():
        raise ErasureError(f"no warehouse at {warehouse}: run `dbt build` first")
    sweep_id = f"{utc_now():%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(4)}"
    with duckdb.connect(str(warehouse)) as con:
        requests, erased_rows, fingerprint = request_state(con)
        ensure_tables(con)
        report = SweepReport(outcome="nothing_new", requests_in_force=requests, erased_rows=erased_rows)
        if not settings.force and (requests == 0 or fingerprint == last_fingerprint(con)):
            return report
        keys = erased_keys(con)
        purge_exports(con, sweep_id, keys, settings, report, environ)
        report.published_builds_deleted = prune_published(settings.serving_dir)
    if settings.compact:
        report.bytes_before, report.bytes_after = compact_warehouse(warehouse)
        report.is_compacted = True
    report.outcome = "pending" if report.export_runs_pending else "done"
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            f"insert into {AUDIT_SCHEMA}.erasure_sweeps values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                sweep_id,
                utc_now(),
                requests,
                fingerprint,
                erased_rows,
                len(report.export_runs_deleted),
                len(report.export_runs_pending),
                report.rows_removed_from_destinations,
                report.audiences_to_resync,
                len(report.published_builds_deleted),
                report.is_compacted,
                report.bytes_before,
                report.bytes_after,
                report.outcome,
                report.error,
            ],
        )
    return report


def report_lines(report: SweepReport) -> list[str]:
    """The report as the CLI prints it."""
    lines = [f"{key}: {value}" for key, value in asdict(report).items() if value not in (None, [], 0, False)]
    if report.export_runs_pending:
        lines.append(
            "pending: these export runs were sent to add-mode audiences; run `audience erase --send` (with "
            "META_ACCESS_TOKEN) to remove the erased subjects' rows from Meta, which then deletes the runs"
        )
    if report.audiences_to_resync:
        lines.append(
            "re-sync (`audience sync --send`) these replace-mode audiences to drop the erased subjects from Meta: "
            + ", ".join(report.audiences_to_resync)
        )
    return lines
