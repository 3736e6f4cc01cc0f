"""Erasure and PII (issue 11) on the S demo data: one shared demo build, then one rebuild with erasure requests.

`erased` (module fixture): a copy of the shared demo warehouse and raw files; two dry-run `audience sync`s (an
audience holding the chosen customer, one that does not); raw `erasure_requests.csv` erasing that customer (by
id; a CRM customer with a merged duplicate record, a phone, an audience membership), a lead (by its email, in
another case and with spaces) and a customer known only from orders (by id); an order and a survey answer of
the erased customer re-added to the raw files; `dbt build` at the next as-of date (so the first build's
history rows stay and must be erased by the post-hooks); `audience erase` (export runs, compaction). Then every
table and view of every schema, the warehouse file's bytes, the export files and dbt's artifacts are searched
for the subjects' ids, emails, phone and their hashes (SHA-256 of the Meta-normalised email and phone, the
EXTERN_ID HMAC); the erased rows in `dq_source_reconciliation` equal a count recomputed here in pandas from the
raw files by the documented rule.

Also: the PII scan of `main` on the demo build (and that it catches planted values), the masked DQ raw values,
the PII tags, and the add-mode removal (`audience erase --send`) against the fake Graph API of test_activation.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml
from conftest import PROJECT_DIR, DbtRun, DemoData, run_dbt
from test_activation import FakeGraphApi

from audience.activation import audit
from audience.activation.customer_file import build_customer_list, write_customer_list
from audience.activation.normalize import extern_id, normalize_phone, sha256_hex
from audience.cli import main as cli_main
from audience.privacy.erasure import SweepReport, SweepSettings, ensure_tables, purge_exports
from audience.privacy.pii_scan import find_pii, phone_shaped
from audience.serving import PUBLISHED_NAME, publish

pytestmark = pytest.mark.dbt

SECRET = "test-extern-id-secret-privacy-0123"
TOKEN = "EAAB-privacy-test-token-never-logged-77"
ORDER_ONLY_CUSTOMER = "C09999999"
ERASED_VIEW = ("restricted", "stg_crm__erased_subjects")


@dataclass
class Subject:
    """What must be gone: the strings searched for (ids, emails, phone, hashes), by subject."""

    ids: set[str] = field(default_factory=set)
    texts: set[str] = field(default_factory=set)  # emails and phones, compared case-insensitively
    hashes: set[str] = field(default_factory=set)

    @property
    def needles(self) -> set[str]:
        return self.ids | {text.lower() for text in self.texts} | self.hashes


@dataclass
class Erased:
    work: Path
    raw: Path
    before: DbtRun
    after: DbtRun
    exports: Path
    customer: Subject
    lead: Subject
    order_only: Subject
    customer_id: str
    lead_id: str
    kept_audience: str
    erased_audience: str
    first_as_of: dt.date
    runs_before: dict[str, int]
    sweeps: list[int]
    serving: Path
    published_before: list[str]

    @property
    def needles(self) -> set[str]:
        return self.customer.needles | self.lead.needles | self.order_only.needles


def _normalized(email: object) -> str | None:
    return str(email).strip().lower() if isinstance(email, str) and email.strip() else None


def _choose_customer(before: DbtRun, raw: Path) -> tuple[str, str]:
    """A CRM survivor with a merged duplicate, a phone no other person's raw record has, web events and
    consents, member of an audience; and that audience."""
    raw_customers = pd.read_parquet(raw / "customers.parquet", columns=["email", "phone"])
    raw_customers["email"] = raw_customers.email.map(_normalized)
    people_by_phone = raw_customers.dropna().groupby("phone").email.nunique()
    candidates = before.query(
        """
        select customers.customer_id, customers.phone, members.audience_name
        from staging.stg_crm__customers as customers
        inner join staging.stg_crm__customer_merges as merges
            on customers.customer_id = merges.survivor_customer_id
        inner join main.audience_members as members
            on customers.customer_id = members.subject_id and members.subject_type = 'customer'
        where customers.phone is not null
            and customers.customer_id in (select customer_id from staging.stg_web__events)
            and customers.customer_id in (select subject_id from staging.stg_crm__consents)
        order by customers.customer_id, members.audience_name
        """
    )
    customer_id, _, audience = next(row for row in candidates if people_by_phone.get(row[1], 0) == 1)
    return customer_id, audience


def _choose_lead(before: DbtRun, raw: Path) -> str:
    """A lead with an email no other lead or customer has, web events and consents."""
    leads = pd.read_parquet(raw / "leads.parquet", columns=["lead_id", "email"])
    customers = pd.read_parquet(raw / "customers.parquet", columns=["email"])
    emails = pd.concat([leads.email, customers.email]).map(_normalized).value_counts()
    found = before.query(
        """
        select lead_id, email from staging.stg_crm__leads
        where email is not null
            and lead_id in (select lead_id from staging.stg_web__events)
            and lead_id in (select subject_id from staging.stg_crm__consents where subject_type = 'lead')
        order by lead_id
        """
    )
    return next(lead_id for lead_id, email in found if emails.get(email, 0) == 1)


def _readd_rows(raw: Path, customer_id: str) -> None:
    """Re-add an order and a survey answer of the erased customer; add an order of a customer known only
    from orders."""
    orders = pd.read_parquet(raw / "orders.parquet")
    extra = orders.iloc[:2].copy()
    extra["order_id"] = ["O-READDED-1", "O-ORDER-ONLY-1"]
    extra["customer_id"] = [customer_id, ORDER_ONLY_CUSTOMER]
    extra["ordered_at"] = pd.Timestamp("2025-06-01 10:00:00")
    pd.concat([orders, extra], ignore_index=True).to_parquet(raw / "orders.parquet", index=False)
    surveys = pd.read_parquet(raw / "survey_responses.parquet")
    extra = surveys.iloc[:1].copy()
    extra["customer_id"] = customer_id
    pd.concat([surveys, extra], ignore_index=True).to_parquet(raw / "survey_responses.parquet", index=False)


def _subject_from_raw(raw: Path, customer_ids: set[str], lead_ids: set[str]) -> Subject:
    """The needles of the customer and lead records with these ids."""
    subject = Subject(ids=set(customer_ids) | set(lead_ids))
    customers = pd.read_parquet(raw / "customers.parquet")
    for row in customers[customers.customer_id.isin(customer_ids)].itertuples():
        if _normalized(row.email):
            subject.texts.add(_normalized(row.email))
            subject.hashes.add(sha256_hex(_normalized(row.email)))
        if isinstance(row.phone, str) and row.phone:
            digits = re.sub(r"\D", "", row.phone)  # demo phones carry their country code: E.164 digits
            subject.texts |= {row.phone, digits}
            subject.hashes |= {sha256_hex(digits)} | {
                sha256_hex(p) for p in [normalize_phone(row.phone)] if p
            }
    leads = pd.read_parquet(raw / "leads.parquet")
    for row in leads[leads.lead_id.isin(lead_ids)].itertuples():
        subject.texts.add(_normalized(row.email))
        subject.hashes.add(sha256_hex(_normalized(row.email)))
    return subject


@pytest.fixture(scope="module")
def erased(demo_s: DemoData, demo_s_build: DbtRun, tmp_path_factory: pytest.TempPathFactory) -> Erased:
    work = tmp_path_factory.mktemp("privacy")
    raw = work / "raw"
    shutil.copytree(demo_s.raw_dir, raw)
    dbt_dir = work / "dbt"
    dbt_dir.mkdir()
    shutil.copy(demo_s_build.warehouse, dbt_dir / "warehouse.duckdb")
    before = DbtRun(0, "", dbt_dir / "warehouse.duckdb")
    exports = work / "exports"
    serving = work / "serving"

    customer_id, erased_audience = _choose_customer(before, raw)
    lead_id = _choose_lead(before, raw)
    kept_audience = next(
        name
        for (name,) in before.query(
            "select distinct audience_name from main.audience_members where audience_name not in "
            f"(select audience_name from main.audience_members where subject_id = '{customer_id}') order by 1"
        )
    )
    merged = {row[0] for row in before.query(f"select merged_customer_id from staging.stg_crm__customer_merges where survivor_customer_id = '{customer_id}'")}  # fmt: skip
    customer = _subject_from_raw(raw, {customer_id} | merged, set())
    customer.hashes.add(extern_id("customer", customer_id, SECRET))
    lead = _subject_from_raw(raw, set(), {lead_id})
    lead.hashes.add(extern_id("lead", lead_id, SECRET))
    order_only = Subject(ids={ORDER_ONLY_CUSTOMER})
    first_as_of = before.query("select as_of_date from intermediate.int_snapshot_dates where snapshot_name = 'current'")[0][0]  # fmt: skip

    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(PROJECT_DIR)
        patch.setenv("WAREHOUSE_PATH", str(before.warehouse))
        patch.setenv("AUDIENCE_EXPORT_DIR", str(exports))
        patch.setenv("AUDIENCE_EXTERN_ID_SECRET", SECRET)
        patch.setenv("SERVING_DIR", str(serving))
        publish(before.warehouse, serving, demo_s_build.warehouse.parent / "target" / "run_results.json")
        published_before = sorted(path.name for path in (serving / "parquet" / "builds").iterdir())
        for audience_name in (erased_audience, kept_audience):
            assert cli_main(["sync", "--audience", audience_name]) == 0
        runs_before = dict(before.query("select outcome, count(*) from audit.export_runs group by 1"))

        lead_email = before.query(f"select email from staging.stg_crm__leads where lead_id = '{lead_id}'")[0][
            0
        ]
        (raw / "erasure_requests.csv").write_text(
            "subject_type,subject_id,email,requested_at\n"
            f"customer,{customer_id},,2026-01-05T10:00:00Z\n"
            f",,  {lead_email.upper()} ,2026-01-06T10:00:00Z\n"
            f"customer,{ORDER_ONLY_CUSTOMER},,2026-01-07T10:00:00Z\n"
        )
        _readd_rows(raw, customer_id)
        after = run_dbt(
            ["build"],
            raw_dir=raw,
            work_dir=dbt_dir,
            dbt_vars={"as_of_date": str(first_as_of + dt.timedelta(days=1))},
        )
        publish(
            after.warehouse, serving, dbt_dir / "target" / "run_results.json"
        )  # as `make run`: then erase
        sweeps = [cli_main(["erase"]), cli_main(["erase"])]
    return Erased(
        work, raw, before, after, exports, customer, lead, order_only, customer_id, lead_id, kept_audience,
        erased_audience, first_as_of, runs_before, sweeps, serving, published_before,
    )  # fmt: skip


def _needle_pattern(needles: set[str]) -> str:
    """One regex matching any needle as a whole token (not inside a longer id or number)."""
    return "(^|[^a-z0-9])(" + "|".join(re.escape(n.lower()) for n in sorted(needles)) + ")($|[^a-z0-9])"


def _relations(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return con.execute(
        """
        select table_schema, table_name from information_schema.tables
        where table_catalog = current_database() order by all
        """
    ).fetchall()


# ---------- erasure
def test_the_subjects_were_there_before_the_erasure(erased: Erased, demo_s_build: DbtRun):
    """The search can fail: in the shared demo build (before the requests) it finds the subjects in
    staging, identity, the marts, history, the DQ marts and the audiences."""
    found = _tables_holding(demo_s_build.warehouse, erased.needles)
    for table in ["staging.base_crm__customers", "intermediate.int_customers_resolved", "main.customer_features",
                  "history.segment_membership_history", "history.score_history", "main.audience_members"]:  # fmt: skip
        assert table in found, table
    assert erased.runs_before == {"dry_run": 2}


def _rows_holding(con: duckdb.DuckDBPyConnection, relation: str, pattern: str) -> int:
    """Rows of `relation` (a FROM item) with a value (any column, as text) matching `pattern`."""
    columns = [row[0] for row in con.execute(f"describe select * from {relation}").fetchall()]
    condition = " or ".join(
        f"regexp_matches(lower(cast(\"{column}\" as varchar)), '{pattern}')" for column in columns
    )
    return con.execute(f"select count(*) from {relation} where {condition}").fetchone()[0]


def _tables_holding(warehouse: Path, needles: set[str]) -> dict[str, int]:
    """Every table and view (but the erasure view) with a row holding a needle: {schema.table: rows}."""
    pattern = _needle_pattern(needles)
    found = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for schema, table in _relations(con):
            if (schema, table) == ERASED_VIEW:  # reads the raw request file by design, stores nothing
                continue
            rows = _rows_holding(con, f'"{schema}"."{table}"', pattern)
            if rows:
                found[f"{schema}.{table}"] = rows
    return found


def test_no_table_or_view_of_any_schema_holds_the_erased_subjects(erased: Erased):
    with duckdb.connect(str(erased.after.warehouse), read_only=True) as con:
        relations = _relations(con)
    assert ("history", "score_history") in relations and ("audit", "export_runs") in relations
    assert _tables_holding(erased.after.warehouse, erased.needles) == {}


def test_the_warehouse_file_bytes_hold_no_trace_after_compaction(erased: Erased):
    assert erased.sweeps == [0, 0]
    files = [path for path in erased.after.warehouse.parent.glob("warehouse.duckdb*") if path.is_file()]
    data = b"".join(path.read_bytes() for path in files)
    data = data.lower()
    assert not [needle for needle in erased.needles if needle.lower().encode() in data]
    sweeps = erased.after.query(
        "select outcome, is_compacted, requests_in_force, bytes_after < bytes_before from audit.erasure_sweeps"
    )
    assert sweeps == [("done", True, 3, True)]  # the second `audience erase` had nothing new


def test_export_runs_holding_the_subject_are_deleted_and_others_kept(erased: Erased):
    files = [path for path in erased.exports.rglob("*") if path.is_file()]
    text = b"".join(path.read_bytes() for path in files).lower()
    assert not [needle for needle in erased.needles if needle.lower().encode() in text]
    assert [path.parent.name for path in (erased.exports / erased.erased_audience).iterdir()] == []
    assert len(list((erased.exports / erased.kept_audience).iterdir())) == 1
    # the audit log survives the compaction: both runs, their file hashes, no identifier
    assert erased.after.query("select count(*) from audit.export_runs") == [(2,)]


def test_the_published_copy_is_the_erased_build_and_older_copies_are_gone(erased: Erased):
    builds = erased.serving / "parquet" / "builds"
    assert len(erased.published_before) == 1
    assert [path.name for path in builds.iterdir()] == [
        (erased.serving / "parquet" / "current").resolve().name
    ]
    published = erased.serving / PUBLISHED_NAME
    assert _tables_holding(published, erased.needles) == {}
    assert not [
        needle for needle in erased.needles if needle.lower().encode() in published.read_bytes().lower()
    ]
    pattern = _needle_pattern(erased.needles)
    with duckdb.connect() as con:
        parquet = sorted((erased.serving / "parquet" / "current").glob("*.parquet"))
        assert parquet and not [
            p.name for p in parquet if _rows_holding(con, f"read_parquet('{p}')", pattern)
        ]


def test_history_rows_of_earlier_builds_are_erased_and_others_kept(erased: Erased):
    dates = erased.after.query("select as_of_date, count(*) from history.segment_membership_history group by 1 order by 1")  # fmt: skip
    assert [date for date, _ in dates] == [erased.first_as_of, erased.first_as_of + dt.timedelta(days=1)]
    assert all(rows > 0 for _, rows in dates)
    assert erased.after.query(f"select count(*) from history.score_history where subject_id in ('{erased.customer_id}', '{erased.lead_id}')") == [(0,)]  # fmt: skip


def _expected_erased_rows(raw: Path, customer_id: str, lead_email: str) -> dict[str, int]:
    """The documented rule, recomputed from the raw files: a request's id and email, the emails of the
    requested ids' records, every customer and lead record with one of those emails, and their rows."""
    read = lambda table: pd.read_parquet(raw / f"{table}.parquet")  # noqa: E731
    customers, leads = read("customers"), read("leads")
    customers["email_n"] = customers.email.map(_normalized)
    leads["email_n"] = leads.email.map(_normalized)
    emails = {lead_email} | set(customers.email_n[customers.customer_id == customer_id].dropna())
    customer_ids = {customer_id, ORDER_ONLY_CUSTOMER} | set(
        customers.customer_id[customers.email_n.isin(emails)]
    )
    lead_ids = set(leads.lead_id[leads.email_n.isin(emails)])
    orders, items, web, email = read("orders"), read("order_items"), read("web_events"), read("email_events")
    consents, surveys = read("consents"), read("survey_responses")
    erased_orders = orders[orders.customer_id.isin(customer_ids)]
    direct_web = web.customer_id.isin(customer_ids) | web.lead_id.isin(lead_ids)
    anonymous = set(web.anonymous_id[direct_web].dropna())
    return {
        "customers": int((customers.customer_id.isin(customer_ids) | customers.email_n.isin(emails)).sum()),
        "leads": int((leads.lead_id.isin(lead_ids) | leads.email_n.isin(emails)).sum()),
        "orders": len(erased_orders),
        "order_items": int(items.order_id.isin(set(erased_orders.order_id)).sum()),
        "web_events": int((direct_web | web.anonymous_id.isin(anonymous)).sum()),
        "email_events": int((email.customer_id.isin(customer_ids) | email.lead_id.isin(lead_ids)).sum()),
        "consents": int(
            ((consents.subject_type == "customer") & consents.subject_id.isin(customer_ids)).sum()
            + ((consents.subject_type == "lead") & consents.subject_id.isin(lead_ids)).sum()
        ),
        "survey_responses": int(surveys.customer_id.isin(customer_ids).sum()),
    }


def test_erased_rows_are_counted_in_reconciliation_as_the_rule_says(erased: Erased):
    recon = erased.after.frame(
        """
        select table_name, any_value(raw_rows) as raw_rows, any_value(clean_rows) as clean_rows,
            any_value(quarantined_rows) as quarantined_rows, any_value(erased_rows) as erased_rows,
            bool_and(is_reconciled) as is_reconciled
        from main.dq_source_reconciliation group by table_name
        """
    ).set_index("table_name")
    assert recon.is_reconciled.all()
    assert (recon.raw_rows == recon.clean_rows + recon.quarantined_rows + recon.erased_rows).all()
    lead_email = next(iter(erased.lead.texts))
    expected = _expected_erased_rows(erased.raw, erased.customer_id, lead_email)
    assert all(count > 0 for count in expected.values()), expected
    expected = {table: expected.get(table, 0) for table in recon.index}
    assert recon.erased_rows.to_dict() == expected
    # the re-added order is erased, not clean; the erasure requests themselves are clean
    assert recon.loc["erasure_requests", "clean_rows"] == 3
    outcomes = erased.after.query("select distinct outcome from main.dq_source_reconciliation where table_name = 'orders'")  # fmt: skip
    assert ("erased",) in outcomes
    assert erased.after.query("select count(*) from main.dq_quarantined_rows where reject_reason = 'erased'") == [(0,)]  # fmt: skip


def test_erasure_requests_store_what_they_name_not_who(erased: Erased):
    assert erased.after.query(
        "select subject_type, has_subject_id, has_email from staging.stg_crm__erasure_requests order by requested_at"
    ) == [("customer", True, False), (None, False, True), ("customer", True, False)]


def test_pii_scan_passes_after_the_erasure_build(erased: Erased):
    with duckdb.connect(str(erased.after.warehouse), read_only=True) as con:
        assert find_pii(con, ["main", "ml", "history"]) == []


def test_dbt_artifacts_name_files_never_the_erased_subjects(erased: Erased):
    texts = [path.read_bytes().lower() for path in (erased.after.warehouse.parent / "target").rglob("*.sql")]
    texts += [path.read_bytes().lower() for path in (erased.after.warehouse.parent / "logs").rglob("*.log")]
    joined = b"\n".join(texts)
    assert not [needle for needle in erased.needles if needle.lower().encode() in joined]


# ---------- erasure on small CSV files: traits, a malformed line, a lead reached through the email
SMALL_RAW = {
    "customers": """
customer_id,email,phone,first_name,created_at
101,ann@example.com,+49 30 1234567,Ann,2024-01-01T00:00:00Z
102,bob@example.com,,Bob,2024-01-02T00:00:00Z
103,ANN@example.com,x,Ann,Smith,2024-01-03T00:00:00Z
104,cy@example.com,,Cy, Jr,2024-01-04T00:00:00Z
""",
    "leads": """
lead_id,email,first_name,created_at
l1, Ann@Example.com,Ann,2024-01-05T00:00:00Z
l2,dee@example.com,Dee,2024-01-05T00:00:00Z
""",
    "traits": """
subject_type,subject_id,trait,value,recorded_at
customer,101,plan,gold,2024-01-06T00:00:00Z
customer,102,plan,silver,2024-01-06T00:00:00Z
lead,l1,education,phd,2024-01-06T00:00:00Z
account,101,size,big,2024-01-06T00:00:00Z
""",
    "consents": """
subject_type,subject_id,purpose,granted,recorded_at
customer,101,ad_targeting,true,2024-01-06T00:00:00Z
lead,l1,ad_targeting,true,2024-01-06T00:00:00Z
lead,l2,ad_targeting,true,2024-01-06T00:00:00Z
""",
    "orders": """
order_id,customer_id,ordered_at,amount
o1,101,2024-02-01T00:00:00Z,10
o2,102,2024-02-01T00:00:00Z,20
""",
    "order_items": """
order_id,line_number,quantity,unit_price
o1,1,1,10
o2,1,2,10
""",
    "web_events": """
event_id,occurred_at,anonymous_id,customer_id,event_type
w1,2024-02-01T00:00:00Z,a1,101,page_view
w2,2024-01-31T00:00:00Z,a1,,page_view
w3,2024-02-01T00:00:00Z,a2,102,page_view
""",
    "erasure_requests": """
subject_type,subject_id,email,requested_at
customer,101,,2024-05-01T00:00:00Z
""",
}


def test_erasure_on_csv_reaches_traits_leads_by_email_linked_cookies_and_malformed_lines(dbt, tmp_path: Path):
    """Customer 101 is erased by id: its email reaches lead l1 (same person), the malformed line 103 holds
    that email, cookie a1 was seen on 101's event; traits, consents, the order and its line go. The
    malformed line 104 names nobody erased: quarantined, its text masked in main."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for table, text in SMALL_RAW.items():
        (raw / f"{table}.csv").write_text(text.lstrip())
    run = dbt(["build", "--select", "+marts.data_quality", "+intermediate.identity", "--indirect-selection", "cautious"], raw_dir=raw)  # fmt: skip
    recon = run.frame(
        """select table_name, any_value(raw_rows) as raw_rows, any_value(erased_rows) as erased,
            bool_and(is_reconciled) as ok from main.dq_source_reconciliation group by 1"""
    ).set_index("table_name")
    assert recon.ok.all()
    erased = {table: int(n) for table, n in recon.erased.items() if n}
    assert erased == {
        "customers": 2, "leads": 1, "traits": 2, "consents": 2, "orders": 1, "order_items": 1, "web_events": 2,
    }  # fmt: skip
    assert recon.loc["customers", "raw_rows"] == 4  # the two malformed lines are raw rows
    assert run.query(
        "select reject_column from staging.base_crm__customers where reject_reason = 'erased' order by 1"
    ) == [("raw_line",), (None,)]
    assert run.query(
        """select raw_line_number, raw_values ->> 'raw_text' from main.dq_quarantined_rows
        where table_name = 'customers'"""
    ) == [(5, "<masked>")]
    assert run.query("select subject_type, subject_id from staging.stg_crm__traits order by 1") == [
        ("account", "101"),  # an account is no person: account 101 is not customer 101
        ("customer", "102"),
    ]
    assert _tables_holding(run.warehouse, {"ann@example.com", "+49 30 1234567", "l1", "a1"}) == {}


# ---------- PII where BI reads
def test_pii_scan_of_main_passes_on_demo_data(demo_s_build: DbtRun):
    with duckdb.connect(str(demo_s_build.warehouse), read_only=True) as con:
        assert find_pii(con, ["main"]) == []
        # the unmasked raw values are where the scan must find them: schema restricted
        kinds = {finding.kind for finding in find_pii(con, ["restricted"])}
    assert kinds == {"email", "phone"}


def test_masked_raw_values_still_say_why(demo_s_build: DbtRun):
    masked = demo_s_build.query(
        """select raw_values ->> 'email', raw_values ->> 'customer_id' is not null, raw_values ->> 'gender'
        from main.dq_nulled_values where reason_code = 'invalid_email'"""
    )
    unmasked = demo_s_build.query(
        "select raw_values ->> 'email' from restricted.dq_nulled_values_unmasked where reason_code = 'invalid_email'"
    )
    assert masked and all(email == "<masked>" and has_id for email, has_id, _ in masked)
    assert len(unmasked) == len(masked) and all("@" in email or "." in email for (email,) in unmasked)


def test_pii_scan_finds_planted_emails_and_phones(tmp_path: Path):
    with duckdb.connect(str(tmp_path / "planted.duckdb")) as con:
        con.execute(
            "create table main.clean (id varchar, seen varchar, amount varchar, url varchar, tags varchar[])"
        )
        con.execute(
            """insert into main.clean values
            ('C00001187', '2024-10-09 15:38:59', '1000000.00', 'https://shop.example.com/c?q=a+b', ['x']),
            ('NL-20241022', '09.10.2024', '-12.50', 'https://shop.example.com/p/P07010', [])"""
        )
        con.execute("create table main.leaky (note varchar, raw json, phones varchar[])")
        con.execute(
            """insert into main.leaky values
            ('write to jane.doe42@gmail.com', '{"id": 1}', []),
            ('ok', '{"phone": "+45 338064469"}', []),
            ('ok', '{"id": 2}', ['(555) 123-4567'])"""
        )
        findings = {(f.table, f.column, f.kind, f.rows) for f in find_pii(con, ["main"])}
    assert findings == {
        ("leaky", "note", "email", 1),
        ("leaky", "raw", "phone", 1),
        ("leaky", "phones", "phone", 1),
    }
    assert [
        text for text in ("0049 30 1234567", "020 7946 0958", "+1 457684953") if not phone_shaped(text)
    ] == []
    assert [
        text for text in ("2024-10-09", "E00000000278", "5551234567", "10.0.0.1") if phone_shaped(text)
    ] == []


PII_COLUMNS = {"email", "phone", "first_name", "last_name", "birth_date", "postal_code", "city"}


def test_pii_columns_are_tagged_in_every_yaml():
    untagged = []
    for path in (PROJECT_DIR / "models").rglob("*.yml"):
        document = yaml.safe_load(path.read_text()) or {}
        tables = [t for source in document.get("sources", []) for t in source.get("tables", [])]
        for node in [*document.get("models", []), *tables]:
            for column in node.get("columns", []) or []:
                meta = column.get("meta") or (column.get("config") or {}).get("meta") or {}
                if column.get("name") in PII_COLUMNS and not meta.get("pii"):
                    untagged.append(f"{path.relative_to(PROJECT_DIR)}: {node['name']}.{column['name']}")
    assert not untagged


# ---------- add-mode audiences: an erased person leaves the platform audience
def _export_run(
    export_dir: Path, con, run_id: str, audience: str, mode: str, sent: bool, members: list[dict]
):
    customer_list = build_customer_list(members, SECRET, batch_size=2)
    run_dir = export_dir / audience / run_id
    write_customer_list(customer_list, run_dir)
    for seq, customer_file in enumerate(customer_list.files, start=1):
        audit.append_batch(con, run_id, seq, customer_file.name, customer_file.sha256, customer_file.rows, "sent" if sent else "written")  # fmt: skip
    now = audit.utc_now()
    audit.append_run(
        con,
        audit.RunRecord(
            run_id, audience, "meta_custom_audiences", "6000000000002", mode, not sent, len(members),
            customer_list.rows, 0, len(customer_list.files), customer_list.rows if sent else 0,
            [f.sha256 for f in customer_list.files], str(run_dir), now, now, now,
            "succeeded" if sent else "dry_run", None,
        ),
    )  # fmt: skip
    return run_dir, customer_list


def _member(lead_id: str) -> dict:
    return {"subject_type": "lead", "subject_id": lead_id, "email": f"{lead_id.lower()}@firm.example", "first_name": "Ann", "last_name": "Lee"}  # fmt: skip


@pytest.mark.parametrize("send", [False, True])
def test_add_mode_rows_of_an_erased_lead_are_removed_from_meta_before_the_run_goes(
    tmp_path: Path, send: bool
):
    export_dir = tmp_path / "exports"
    members = [_member(f"L{n}") for n in range(1, 6)]
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        audit.ensure_tables(con)
        ensure_tables(con)
        sent_dir, sent_list = _export_run(export_dir, con, "run-add", "hot_leads", "add", True, members)
        dry_dir, _ = _export_run(export_dir, con, "run-dry", "hot_leads_copy", "add", False, members)
        clean_dir, _ = _export_run(export_dir, con, "run-clean", "others", "add", True, members[2:])
        keys = {"customer": set(), "lead": {"L2"}, "email": {"l2@firm.example"}}
        erased_row = next(
            row for f in sent_list.files for row in json.loads(f.content)["data"] if row[0] == extern_id("lead", "L2", SECRET)
        )  # fmt: skip
        report = SweepReport(outcome="", requests_in_force=1, erased_rows=1)
        with FakeGraphApi() as server:
            environ = {"AUDIENCE_EXTERN_ID_SECRET": SECRET, "META_ACCESS_TOKEN": TOKEN}
            settings = SweepSettings(export_dir=export_dir, send=send, graph_url=server.url)
            purge_exports(con, "sweep-1", keys, settings, report, environ)
        removals = con.execute("select audience_name, export_run_id, rows, outcome from audit.erasure_removals").fetchall()  # fmt: skip
    assert not dry_dir.exists() and clean_dir.exists()  # never sent: deleted; no erased row: kept
    if not send:
        assert server.requests == [] and sent_dir.exists()
        assert report.export_runs_pending == ["hot_leads/run-add"]
        return
    assert not sent_dir.exists() and report.export_runs_pending == []
    assert report.export_runs_deleted == ["hot_leads/run-add", "hot_leads_copy/run-dry"]
    [request] = server.requests
    assert request["method"] == "DELETE" and request["path"].endswith("/6000000000002/users")
    payload = json.loads(request["form"]["payload"])
    assert payload == {"schema": list(sent_list.schema), "data": [erased_row]}
    assert TOKEN not in json.dumps(removals)
    assert removals == [("hot_leads", "run-add", 1, "sent")]
    assert report.rows_removed_from_destinations == 1
