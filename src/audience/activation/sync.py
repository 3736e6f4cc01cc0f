"""`audience sync --audience NAME`: the audience's members -> hashed customer-list files -> Meta.

1. Read the audience's definition (`intermediate.int_audience_definitions`) and when its members were
   built (`main.audience_summary.built_at`); refuse members older than the audience's `refresh` allows.
2. Read the members with their identifiers (`intermediate.int_audience_export_contacts`); refuse to
   export if any member's consent for the audience's purpose is not in force.
3. Build the files (`customer_file`), write them to `<export_dir>/<audience>/<run_id>/` with a
   `manifest.json` (counts and file hashes, no identifier).
4. Dry run (the default): stop there. `send=True`: upload them with the SDK (`meta`).
5. Append the run and its batches to the audit log (`audit`), whatever the outcome; keep the newest
   `keep_runs` run directories of the audience and delete older ones (hashed identifiers are personal
   data: no more copies than needed).

Settings come from the caller (the CLI reads the dbt vars `activation_*` of dbt_project.yml); secrets
from the environment: AUDIENCE_EXTERN_ID_SECRET (the EXTERN_ID key) and the META_* credentials.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from audience.activation import audit
from audience.activation.customer_file import CustomerList, build_customer_list, write_customer_list
from audience.activation.meta import BatchResult, MetaCredentials, SyncError, make_api, send_batches

SECRET_ENV = "AUDIENCE_EXTERN_ID_SECRET"
MIN_SECRET_LENGTH = 16
REFRESH_LIMITS = {"daily": dt.timedelta(days=1), "weekly": dt.timedelta(days=7), "manual": None}
MEMBER_COLUMNS = [
    "subject_type",
    "subject_id",
    "email",
    "phone",
    "first_name",
    "last_name",
    "city",
    "postal_code",
    "country_code",
    "birth_date",
]


@dataclass(frozen=True)
class SyncSettings:
    """What one sync does; every default is the caller's (CLI: dbt vars and flags)."""

    batch_size: int
    keep_runs: int
    export_dir: Path
    send: bool = False
    allow_stale: bool = False
    destination_audience_id: str | None = None
    graph_url: str | None = None
    api_version: str | None = None


@dataclass(frozen=True)
class SyncReport:
    """The outcome of one sync (what the CLI prints; no identifier, no credential)."""

    run_id: str
    audience_name: str
    outcome: str
    members: int
    rows: int
    rows_without_identifier: int
    phones_unusable: int
    batches: int
    rows_sent: int
    run_dir: str | None
    endpoint: str | None
    error: str | None = None


def extern_id_secret(environ: dict | None = None) -> str:
    """The EXTERN_ID HMAC key from the environment (at least 16 characters)."""
    environ = os.environ if environ is None else environ
    secret = environ.get(SECRET_ENV, "")
    if len(secret) < MIN_SECRET_LENGTH:
        raise SyncError(
            f"{SECRET_ENV} must be set to a secret of at least {MIN_SECRET_LENGTH} characters: it keys the "
            "EXTERN_ID pseudonyms (keep it stable: a new secret gives every subject a new EXTERN_ID)"
        )
    return secret


def new_run_id(now: dt.datetime) -> str:
    """A sortable, unique run id: UTC time + random suffix."""
    return f"{now:%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(4)}"


def load_definition(con: duckdb.DuckDBPyConnection, audience_name: str) -> dict:
    """The audience's definition and its members' build time; SyncError naming the known audiences."""
    found = con.execute(
        """
        select
            definitions.audience_name, definitions.destination, definitions.destination_audience_id,
            definitions.sync_mode, definitions.refresh, definitions.is_active, summary.built_at
        from intermediate.int_audience_definitions as definitions
        left join main.audience_summary as summary
            on definitions.audience_name = summary.audience_name
        where definitions.audience_name = ?
        """,
        [audience_name],
    ).fetchone()
    if found is None:
        known = [
            row[0]
            for row in con.execute(
                "select audience_name from intermediate.int_audience_definitions"
            ).fetchall()
        ]
        raise SyncError(f"no audience named {audience_name!r}; known: {', '.join(sorted(known)) or 'none'}")
    keys = ["audience_name", "destination", "destination_audience_id", "sync_mode", "refresh", "is_active"]
    return dict(zip([*keys, "built_at"], found, strict=True))


def check_freshness(definition: dict, now: dt.datetime, allow_stale: bool) -> None:
    """Refuse members built longer ago than the audience's refresh allows (unless allow_stale)."""
    limit = REFRESH_LIMITS[definition["refresh"]]
    built_at = definition["built_at"]
    if built_at is None:
        raise SyncError(f"audience {definition['audience_name']!r} has never been built: run `dbt build`")
    if limit is not None and not allow_stale and now - built_at > limit:
        raise SyncError(
            f"the members of {definition['audience_name']!r} were built at {built_at:%Y-%m-%d %H:%M} UTC, longer "
            f"ago than its refresh ({definition['refresh']}) allows: rebuild (`dbt build`) or pass --allow-stale"
        )


def load_members(con: duckdb.DuckDBPyConnection, audience_name: str) -> list[dict]:
    """The members with their identifiers; SyncError if any lacks the audience's consent now."""
    rows = con.execute(
        f"""
        select has_consent_in_force, {", ".join(MEMBER_COLUMNS)}
        from intermediate.int_audience_export_contacts
        where audience_name = ?
        order by subject_type, subject_id
        """,
        [audience_name],
    ).fetchall()
    without_consent = sum(1 for row in rows if not row[0])
    if without_consent:
        raise SyncError(
            f"{without_consent} member(s) of {audience_name!r} have no consent in force for the audience's "
            "purpose: refusing to export (rebuild the audience: `dbt build`)"
        )
    return [dict(zip(MEMBER_COLUMNS, row[1:], strict=True)) for row in rows]


def prune_runs(audience_dir: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` run directories of an audience; returns the deleted ones."""
    runs = sorted((path for path in audience_dir.iterdir() if path.is_dir()), key=lambda path: path.name)
    doomed = runs[: max(len(runs) - keep, 0)]
    for path in doomed:
        shutil.rmtree(path)
    return doomed


def _manifest(run_id: str, definition: dict, customer_list: CustomerList, settings: SyncSettings) -> bytes:
    manifest = {
        "run_id": run_id,
        "audience_name": definition["audience_name"],
        "destination": definition["destination"],
        "schema": list(customer_list.schema),
        "members": customer_list.members,
        "rows": customer_list.rows,
        "rows_without_identifier": customer_list.rows_without_identifier,
        "phones_unusable": customer_list.phones_unusable,
        "batch_size": settings.batch_size,
        "members_built_at": str(definition["built_at"]),
        "files": [{"name": f.name, "rows": f.rows, "sha256": f.sha256} for f in customer_list.files],
    }
    return (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()


def run_sync(
    warehouse: Path, audience_name: str, settings: SyncSettings, environ: dict | None = None
) -> SyncReport:
    """One sync of one audience (see the module docstring). Raises SyncError when it cannot run or the
    upload fails; the audit log then holds what happened."""
    environ = os.environ if environ is None else environ
    started_at = audit.utc_now()
    run_id = new_run_id(started_at)
    with duckdb.connect(str(warehouse)) as con:
        definition = load_definition(con, audience_name)
        if not definition["is_active"]:
            raise SyncError(
                f"audience {audience_name!r} is inactive (is_active false in audience_definitions)"
            )
        check_freshness(definition, started_at, settings.allow_stale)
        destination_id = settings.destination_audience_id or definition["destination_audience_id"]
        credentials = None
        if settings.send:
            if not destination_id:
                raise SyncError(
                    f"no destination audience id for {audience_name!r}: set destination_audience_id in "
                    "audience_definitions or pass --destination-id"
                )
            credentials = MetaCredentials.from_env(environ)
        secret = extern_id_secret(environ)
        customer_list = build_customer_list(load_members(con, audience_name), secret, settings.batch_size)
        audit.ensure_tables(con)

        run_dir = None
        if customer_list.files:
            run_dir = settings.export_dir / audience_name / run_id
            write_customer_list(customer_list, run_dir)
            (run_dir / "manifest.json").write_bytes(_manifest(run_id, definition, customer_list, settings))

        mode = definition["sync_mode"]
        edge = "usersreplace" if mode == "replace" else "users"
        endpoint = f"POST /<version>/{destination_id or '<destination id>'}/{edge}"
        files = customer_list.files
        results: dict[int, BatchResult] = {}
        error = None
        if not files:
            outcome = "empty"
        elif not settings.send:
            outcome = "dry_run"
            for seq, customer_file in enumerate(files, start=1):
                audit.append_batch(
                    con, run_id, seq, customer_file.name, customer_file.sha256, customer_file.rows, "written"
                )
        else:

            def record(seq: int, result: BatchResult | SyncError) -> None:
                customer_file = files[seq - 1]
                if isinstance(result, BatchResult):
                    results[seq] = result
                    audit.append_batch(
                        con, run_id, seq, customer_file.name, customer_file.sha256, customer_file.rows, "sent",
                        result.num_received, result.num_invalid_entries,
                    )  # fmt: skip
                else:
                    audit.append_batch(
                        con,
                        run_id,
                        seq,
                        customer_file.name,
                        customer_file.sha256,
                        customer_file.rows,
                        "failed",
                    )

            api = make_api(credentials, graph_url=settings.graph_url, api_version=settings.api_version)
            session_id = secrets.randbits(62) + 1
            try:
                send_batches(
                    api, credentials, destination_id, mode, [f.content for f in files], customer_list.rows,
                    session_id, on_batch=record,
                )  # fmt: skip
                outcome = "succeeded"
            except SyncError as failure:
                outcome, error = "failed", str(failure)
                for seq in range(len(results) + 2, len(files) + 1):
                    customer_file = files[seq - 1]
                    audit.append_batch(
                        con,
                        run_id,
                        seq,
                        customer_file.name,
                        customer_file.sha256,
                        customer_file.rows,
                        "not_sent",
                    )

        rows_sent = sum(result.rows for result in results.values())
        audit.append_run(
            con,
            audit.RunRecord(
                run_id=run_id,
                audience_name=audience_name,
                destination=definition["destination"],
                destination_audience_id=destination_id,
                sync_mode=mode,
                is_dry_run=not settings.send,
                members=customer_list.members,
                rows=customer_list.rows,
                rows_without_identifier=customer_list.rows_without_identifier,
                batches=len(files),
                rows_sent=rows_sent,
                file_sha256=[f.sha256 for f in files],
                export_dir=str(run_dir) if run_dir else "",
                members_built_at=definition["built_at"],
                started_at=started_at,
                finished_at=audit.utc_now(),
                outcome=outcome,
                error=error,
            ),
        )
    if run_dir is not None:
        prune_runs(run_dir.parent, settings.keep_runs)
    report = SyncReport(
        run_id=run_id,
        audience_name=audience_name,
        outcome=outcome,
        members=customer_list.members,
        rows=customer_list.rows,
        rows_without_identifier=customer_list.rows_without_identifier,
        phones_unusable=customer_list.phones_unusable,
        batches=len(files),
        rows_sent=rows_sent,
        run_dir=str(run_dir) if run_dir else None,
        endpoint=endpoint,
        error=error,
    )
    if outcome == "failed":
        raise SyncFailed(report)
    return report


class SyncFailed(SyncError):
    """The upload failed after the run was recorded; carries the report."""

    def __init__(self, report: SyncReport):
        super().__init__(report.error)
        self.report = report


def report_lines(report: SyncReport) -> list[str]:
    """The report as the CLI prints it."""
    values = asdict(report)
    return [f"{key}: {value}" for key, value in values.items() if value is not None]


def activation_vars(project_dir: Path = Path(".")) -> dict:
    """The `activation_*` vars of dbt_project.yml (the single place their defaults live)."""
    import yaml

    with open(project_dir / "dbt_project.yml", encoding="utf-8") as handle:
        variables = (yaml.safe_load(handle) or {}).get("vars") or {}
    return {key: value for key, value in variables.items() if key.startswith("activation_")}
