"""Activation end to end on the S demo build: audience members, customer-list files and the Meta sync.

* The demo audience's files: every cell a 64-hex hash (or empty), no raw email, phone or name, batches
  of at most 10,000 rows (and of a small `--batch-size`), only members whose consent is in force (the
  consent rule recomputed here in pandas from the clean consent and email-event rows), byte-identical
  for the same input.
* `audience sync --send` against a fake Graph API on 127.0.0.1 (FakeGraphApi, the SDK's base URL pointed
  at it through META_GRAPH_URL): the recorded payloads are the files byte for byte, a two-batch replace
  shares one upload session, an API error is reported clearly (and the token never shows anywhere) and
  leaves the audit log consistent with what the server received.
* The audit log survives `dbt run --full-refresh`; `added_at` survives a rebuild.

The tests sync into a copy of the shared demo warehouse (never the shared file itself).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import duckdb
import pandas as pd
import pytest
from conftest import PROJECT_DIR, DbtRun, DemoData, run_dbt

from audience.activation.customer_file import SCHEMA
from audience.activation.meta import MetaCredentials, SyncError, check_graph_url, make_api, send_batches
from audience.activation.normalize import extern_id
from audience.cli import main as cli_main

pytestmark = pytest.mark.dbt

SECRET = "test-extern-id-secret-0123456789"
TOKEN = "EAAB-test-access-token-do-not-log-4242"
APP_SECRET = "app-secret-never-shown-1717"
AUDIENCE = "high_propensity_buyers"
HEX64 = re.compile(r"[0-9a-f]{64}")


# ---------- a fake Graph API
class FakeGraphApi:
    """An HTTP server on 127.0.0.1 that plays the Custom Audience `users` / `usersreplace` edges and
    records every request (method, path, query, form fields; a DELETE's parameters, which the SDK sends in
    the query string, as its form). `fail_on` = the 1-based request number answered with a Graph API error."""

    def __init__(self, fail_on: int | None = None):
        self.requests: list[dict] = []
        self.fail_on = fail_on
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_DELETE(self):  # noqa: N802 (http.server's name)
                url = urlparse(self.path)
                self.answer("DELETE", url, parse_qs(url.query, keep_blank_values=True))

            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length).decode()
                self.answer("POST", urlparse(self.path), parse_qs(body, keep_blank_values=True))

            def answer(self, method, url, fields):
                form = {key: values[0] for key, values in fields.items()}
                server.requests.append(
                    {"method": method, "path": url.path, "query": parse_qs(url.query), "form": form}
                )
                if server.fail_on is not None and len(server.requests) == server.fail_on:
                    status, answer = (
                        400,
                        {
                            "error": {
                                "message": "(#2650) Failed to update the custom audience",
                                "type": "OAuthException",
                                "code": 2650,
                                "error_subcode": 1870145,
                                "fbtrace_id": "AbCdEfTrace",
                            }
                        },
                    )
                else:
                    payload = json.loads(form["payload"])
                    session = json.loads(form.get("session", "{}"))
                    status, answer = (
                        200,
                        {
                            "audience_id": url.path.strip("/").split("/")[1],
                            "session_id": str(session.get("session_id")),
                            "num_received": len(payload["data"]),
                            "num_invalid_entries": 0,
                            "invalid_entry_samples": {},
                        },
                    )
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):  # keep the test output quiet
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FakeGraphApi:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


# ---------- fixtures
@pytest.fixture(scope="module")
def base_warehouse(demo_s_build: DbtRun, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shared demo warehouse, taken once: the tests below copy it again before writing."""
    target = tmp_path_factory.mktemp("activation_base") / "warehouse.duckdb"
    shutil.copy(demo_s_build.warehouse, target)
    return target


@pytest.fixture
def workdir(base_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private warehouse copy (tmp_path/dbt/warehouse.duckdb) and export dir; the CLI's environment."""
    dbt_dir = tmp_path / "dbt"
    dbt_dir.mkdir()
    shutil.copy(base_warehouse, dbt_dir / "warehouse.duckdb")
    monkeypatch.chdir(PROJECT_DIR)
    monkeypatch.setenv("WAREHOUSE_PATH", str(dbt_dir / "warehouse.duckdb"))
    monkeypatch.setenv("AUDIENCE_EXPORT_DIR", str(tmp_path / "exports"))
    monkeypatch.setenv("AUDIENCE_EXTERN_ID_SECRET", SECRET)
    for name in ("META_ACCESS_TOKEN", "META_APP_SECRET", "META_APP_ID", "META_GRAPH_URL", "META_API_VERSION"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def _query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def _frame(warehouse: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).df()


def _run_dirs(workdir: Path, audience: str = AUDIENCE) -> list[Path]:
    return sorted(path for path in (workdir / "exports" / audience).iterdir() if path.is_dir())


def _batch_files(run_dir: Path) -> list[Path]:
    return sorted(run_dir.glob("batch-*.json"))


def _sync(*args: str) -> int:
    return cli_main(["sync", "--audience", AUDIENCE, *args])


# ---------- the consent rule, recomputed independently (pandas over the clean rows)
def _consenting_customers(warehouse: Path, purpose: str) -> set[str]:
    """Resolved customer ids whose consent for `purpose` is in force: latest record wins, a refusal wins a
    tie; for email_marketing an unsubscribe or complaint at or after it withdraws; no record = no consent."""
    identity = _frame(
        warehouse, "select source_customer_id, customer_id from intermediate.int_customer_ids_mapped"
    )
    to_survivor = dict(zip(identity.source_customer_id, identity.customer_id, strict=True))
    consents = _frame(
        warehouse,
        "select subject_id, is_granted, recorded_at from staging.stg_crm__consents "
        f"where subject_type = 'customer' and purpose = '{purpose}'",
    )
    consents["customer_id"] = consents.subject_id.map(lambda value: to_survivor.get(value, value))
    latest = (
        consents.sort_values(["customer_id", "recorded_at", "is_granted"], ascending=[True, False, True])
        .groupby("customer_id")
        .head(1)
        .set_index("customer_id")
    )
    granted = latest[latest.is_granted]
    if purpose == "email_marketing":
        events = _frame(
            warehouse,
            "select customer_id, occurred_at from staging.stg_email__events "
            "where event_type in ('unsubscribe', 'complaint') and customer_id is not null",
        )
        events["customer_id"] = events.customer_id.map(lambda value: to_survivor.get(value, value))
        last_opt_out = events.groupby("customer_id").occurred_at.max()
        withdrawn = [
            cid for cid, at in granted.recorded_at.items() if cid in last_opt_out and last_opt_out[cid] >= at
        ]
        granted = granted.drop(index=withdrawn)
    return set(granted.index)


# ---------- the demo audience's files
def test_demo_audience_members_have_consent_and_the_consent_rule_excludes_others(base_warehouse: Path):
    members = {row[0] for row in _query(base_warehouse, f"select subject_id from main.audience_members where audience_name = '{AUDIENCE}'")}  # fmt: skip
    matched = {row[0] for row in _query(base_warehouse, f"select subject_id from intermediate.int_audience_rule_matches where audience_name = '{AUDIENCE}'")}  # fmt: skip
    consenting = _consenting_customers(base_warehouse, "ad_targeting")
    assert members, "the demo audience has members"
    assert members == matched & consenting
    assert matched - consenting, "the consent rule keeps some matched customers out of the demo audience"
    # the email consent rule: some customers granted email marketing and later unsubscribed or complained
    email_ids = {row[0] for row in _query(base_warehouse, "select subject_id from intermediate.int_consents_in_force where subject_type = 'customer' and purpose = 'email_marketing' and is_granted")}  # fmt: skip
    assert email_ids == _consenting_customers(base_warehouse, "email_marketing")
    withdrawn = _query(base_warehouse, "select count(*) from intermediate.int_consents_in_force where decided_by = 'email_opt_out'")  # fmt: skip
    assert withdrawn[0][0] > 0


def test_demo_audience_files_are_hashed_consenting_batched_and_byte_identical(
    workdir: Path, base_warehouse: Path
):
    assert _sync() == 0  # dry run: files only
    assert _sync("--batch-size", "100") == 0
    assert _sync() == 0
    first, small, again = _run_dirs(workdir)

    members = _frame(
        base_warehouse, f"select subject_id from main.audience_members where audience_name = '{AUDIENCE}'"
    )
    consenting = _consenting_customers(base_warehouse, "ad_targeting")
    allowed_ids = {extern_id("customer", cid, SECRET) for cid in consenting}

    whole_rows = []
    for path in _batch_files(first):
        content = path.read_bytes()
        payload = json.loads(content)
        assert payload["schema"] == list(SCHEMA)
        assert len(payload["data"]) <= 10_000
        whole_rows += payload["data"]
        # every cell is a 64-hex hash or empty: no raw value can hide in the file
        assert all(HEX64.fullmatch(cell) or cell == "" for row in payload["data"] for cell in row)
        assert all(HEX64.fullmatch(row[0]) for row in payload["data"])  # EXTERN_ID always present
        # belt and braces: only JSON punctuation, hex digits and the schema's key names
        stripped = content.decode()
        for key in [*SCHEMA, "schema", "data"]:
            stripped = stripped.replace(f'"{key}"', "")
        assert set(stripped) <= set('{}[]",:0123456789abcdef')
    assert len(whole_rows) == len(members)  # every demo member has an email or phone or names
    assert {row[0] for row in whole_rows} == {
        extern_id("customer", cid, SECRET) for cid in members.subject_id
    }
    assert {row[0] for row in whole_rows} <= allowed_ids  # only consenting members

    contacts = _frame(
        base_warehouse,
        "select email, phone, first_name, last_name from intermediate.int_customers_resolved "
        f"where customer_id in (select subject_id from main.audience_members where audience_name = '{AUDIENCE}')",
    )
    text = "".join(path.read_text() for path in _batch_files(first))
    for value in [*contacts.email.dropna(), *contacts.phone.dropna()]:
        assert value not in text
    assert "@" not in text and "+" not in text

    small_files = _batch_files(small)
    assert [len(json.loads(p.read_bytes())["data"]) for p in small_files[:-1]] == [100] * (
        len(small_files) - 1
    )
    assert 0 < len(json.loads(small_files[-1].read_bytes())["data"]) <= 100
    assert [row for p in small_files for row in json.loads(p.read_bytes())["data"]] == whole_rows

    # same input -> byte-identical files (a new run id, the same bytes)
    assert [p.name for p in _batch_files(first)] == [p.name for p in _batch_files(again)]
    assert [p.read_bytes() for p in _batch_files(first)] == [p.read_bytes() for p in _batch_files(again)]

    runs = _frame(
        Path(str(workdir / "dbt" / "warehouse.duckdb")), "select * from audit.export_runs order by started_at"
    )
    assert list(runs.outcome) == ["dry_run"] * 3
    assert list(runs.batches) == [1, len(small_files), 1]
    assert list(runs.rows_sent) == [0, 0, 0]
    assert list(runs.file_sha256.iloc[0]) == [
        hashlib.sha256(p.read_bytes()).hexdigest() for p in _batch_files(first)
    ]


def test_sync_refuses_without_secret_or_credentials(workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    monkeypatch.delenv("AUDIENCE_EXTERN_ID_SECRET")
    assert _sync() == 2
    assert "AUDIENCE_EXTERN_ID_SECRET" in capsys.readouterr().err
    monkeypatch.setenv("AUDIENCE_EXTERN_ID_SECRET", SECRET)
    assert _sync("--send", "--destination-id", "123") == 2
    assert "META_ACCESS_TOKEN" in capsys.readouterr().err
    monkeypatch.setenv("META_ACCESS_TOKEN", TOKEN)
    assert _sync("--send") == 2  # the demo seed sets no destination id
    assert "destination" in capsys.readouterr().err
    assert cli_main(["sync", "--audience", "nope"]) == 2
    assert "known: " in capsys.readouterr().err
    warehouse = workdir / "dbt" / "warehouse.duckdb"
    assert _query(
        warehouse, "select count(*) from information_schema.tables where table_schema = 'audit'"
    ) == [(0,)]


# ---------- the sync against the fake Graph API
def _send_env(monkeypatch: pytest.MonkeyPatch, server: FakeGraphApi) -> None:
    monkeypatch.setenv("META_ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("META_APP_SECRET", APP_SECRET)
    monkeypatch.setenv("META_GRAPH_URL", server.url)
    monkeypatch.setenv("META_API_VERSION", "v26.0")


def _assert_no_secret(*texts: str) -> None:
    for text in texts:
        assert TOKEN not in text
        assert APP_SECRET not in text


def test_two_batch_replace_sends_the_files_in_one_session(workdir: Path, monkeypatch, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    warehouse = workdir / "dbt" / "warehouse.duckdb"
    rows = _query(
        warehouse, f"select count(*) from main.audience_members where audience_name = '{AUDIENCE}'"
    )[0][0]
    half = (rows + 1) // 2
    with FakeGraphApi() as server:
        _send_env(monkeypatch, server)
        assert _sync("--send", "--destination-id", "6000000000001", "--batch-size", str(half)) == 0
    out, err = capsys.readouterr()
    _assert_no_secret(out, err, caplog.text)
    assert "outcome: succeeded" in out

    (run_dir,) = _run_dirs(workdir)
    files = _batch_files(run_dir)
    assert len(files) == 2 == len(server.requests)
    sessions = [json.loads(request["form"]["session"]) for request in server.requests]
    for seq, (request, session, path) in enumerate(
        zip(server.requests, sessions, files, strict=True), start=1
    ):
        assert request["path"] == "/v26.0/6000000000001/usersreplace"
        assert request["form"]["payload"].encode() == path.read_bytes()  # the bytes sent are the file
        assert session["batch_seq"] == seq
        assert session["last_batch_flag"] is (seq == 2)
        assert session["estimated_num_total"] == rows
        assert request["query"]["access_token"] == [TOKEN]  # authenticated (in the request, never in logs)
        assert "appsecret_proof" in request["query"]
    assert sessions[0]["session_id"] == sessions[1]["session_id"]

    runs = _frame(warehouse, "select * from audit.export_runs")
    assert runs.outcome.tolist() == ["succeeded"] and runs.rows_sent.tolist() == [rows]
    batches = _frame(warehouse, "select * from audit.export_run_batches order by batch_seq")
    assert batches.outcome.tolist() == ["sent", "sent"]
    assert batches.num_received.tolist() == [half, rows - half]
    _assert_no_secret(runs.to_csv(), batches.to_csv())


def test_api_error_is_reported_and_the_audit_log_matches_what_was_received(
    workdir: Path, monkeypatch, capsys, caplog
):
    caplog.set_level(logging.DEBUG)
    warehouse = workdir / "dbt" / "warehouse.duckdb"
    with FakeGraphApi(fail_on=2) as server:
        _send_env(monkeypatch, server)
        assert _sync("--send", "--destination-id", "6000000000001", "--batch-size", "100") == 1
    out, err = capsys.readouterr()
    _assert_no_secret(out, err, caplog.text)
    assert "Meta API error on batch 2/4: HTTP 400, code 2650/1870145, OAuthException" in err
    assert "Failed to update the custom audience" in err and "AbCdEfTrace" in err
    assert "outcome: failed" in out and "rows_sent: 100" in out
    assert len(server.requests) == 2  # nothing after the failing batch

    runs = _frame(warehouse, "select * from audit.export_runs")
    assert runs.outcome.tolist() == ["failed"]
    assert runs.rows_sent.tolist() == [100]
    assert "code 2650" in runs.error.iloc[0]
    batches = _frame(
        warehouse, "select batch_seq, outcome, rows from audit.export_run_batches order by batch_seq"
    )
    assert batches.outcome.tolist() == ["sent", "failed", "not_sent", "not_sent"]
    # the audit log's sent batches are exactly the requests the server accepted
    (run_dir,) = _run_dirs(workdir)
    sent = batches[batches.outcome == "sent"].batch_seq.tolist()
    accepted = [r["form"]["payload"].encode() for r in server.requests[: server.fail_on - 1]]
    assert accepted == [_batch_files(run_dir)[seq - 1].read_bytes() for seq in sent]
    _assert_no_secret(runs.to_csv(), batches.to_csv())


def test_dry_run_sends_nothing_even_with_credentials(workdir: Path, monkeypatch):
    with FakeGraphApi() as server:
        _send_env(monkeypatch, server)
        assert _sync("--destination-id", "6000000000001") == 0
    assert server.requests == []


def test_add_mode_sends_to_the_users_edge_with_a_session():
    payloads = [b'{"data":[["' + b"a" * 64 + b'"]],"schema":["EXTERN_ID"]}'] * 3
    credentials = MetaCredentials(access_token=TOKEN)
    with FakeGraphApi() as server:
        api = make_api(credentials, graph_url=server.url, api_version="v26.0")
        results = send_batches(api, credentials, "77", "add", payloads, total_rows=3, session_id=99)
    assert [request["path"] for request in server.requests] == ["/v26.0/77/users"] * 3
    assert [json.loads(r["form"]["session"])["batch_seq"] for r in server.requests] == [1, 2, 3]
    assert [r["form"]["payload"].encode() for r in server.requests] == payloads
    assert [result.num_received for result in results] == [1, 1, 1]


def test_plain_http_is_refused_except_to_the_loopback():
    assert check_graph_url("http://127.0.0.1:9/") == "http://127.0.0.1:9"
    assert check_graph_url("https://graph.facebook.com") == "https://graph.facebook.com"
    with pytest.raises(SyncError, match="https only"):
        check_graph_url("http://graph.example.com")
    assert TOKEN not in repr(MetaCredentials(access_token=TOKEN))


# ---------- kept across rebuilds
def test_audit_log_survives_full_refresh_and_added_at_survives_rebuilds(workdir: Path, demo_s: DemoData):
    warehouse = workdir / "dbt" / "warehouse.duckdb"
    assert _sync() == 0
    before = _frame(
        warehouse, "select audience_name, subject_id, added_at, built_at from main.audience_members"
    )
    run_dbt(
        ["run", "--full-refresh", "--select", "path:models/marts/activation"],
        raw_dir=demo_s.raw_dir,
        work_dir=workdir / "dbt",
    )
    assert _query(warehouse, "select count(*), min(outcome) from audit.export_runs") == [(1, "dry_run")]
    after = _frame(
        warehouse, "select audience_name, subject_id, added_at, built_at from main.audience_members"
    )
    merged = before.merge(after, on=["audience_name", "subject_id"], suffixes=("_before", "_after"))
    assert len(merged) == len(before) == len(after)
    assert (merged.added_at_after == merged.added_at_before).all()
    assert (merged.built_at_after > merged.built_at_before).all()
