"""Messy input (issue 9): every case of the issue's table, on small fixtures and real `dbt build`s.

One raw directory holds every case whose outcome is a quarantined row, a nulled value or a warning (they
do not interfere), built once (staging, identity and DQ models); one more directory holds the cases that
must fail with a clear error, each in its own table so one `dbt run` shows every message. Expected values
are derived from the fixture files here, not from the build.

Static files: tests/fixtures/messy_input/ (see its README); the rest is generated below.
"""

from __future__ import annotations

import gzip
import math
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import PROJECT_DIR, DbtRun, run_dbt

pytestmark = pytest.mark.dbt

FIXTURES = PROJECT_DIR / "tests" / "fixtures" / "messy_input"
STATIC_FILES = ("Leads.csv", "customers.csv", "email_events.csv", "consents.csv", "traits.csv")
STAGING_AND_DQ = [
    "build",
    "--select",
    "+marts.data_quality",
    "+intermediate.identity",
    "--indirect-selection",
    "cautious",
]
#: Regular orders of the fixture: enough values for the outlier rule (var outlier_min_values = 100).
REGULAR_ORDERS = 150
HUGE_AMOUNT = 1_000_000_000_000


def regular_amount(i: int) -> float:
    return 10 + (i * 7) % 190


def write_orders(path: Path) -> None:
    lines = ["order_id,customer_id,ordered_at,amount,status"]
    for i in range(REGULAR_ORDERS):
        lines.append(
            f"o{i:03d},{101 if i % 2 else 103},2024-03-{1 + i % 28:02d}T10:00:00Z,{regular_amount(i)},"
        )
    lines += [
        "o900,NULL,2024-03-01T10:00:00Z,20,completed",  # a placeholder as a required id
        "o901, N/A ,2024-03-01T10:00:00Z,20,completed",
        "o902,101,2024-03-02T10:00:00Z,0,completed",  # a free order: a purchase
        "o903,101,2024-03-03T10:00:00Z,-5,completed",  # a negative completed order: a defect
        "o904,101,2024-03-04T10:00:00Z,-5,cancelled",  # a refund of a cancelled order: fine
        f"o905,103,2024-03-05T10:00:00Z,{HUGE_AMOUNT},completed",  # an order of 1e12
        "o906,500,2024-03-06T10:00:00Z,30,completed",  # a customer known only from orders
    ]
    path.write_text("\n".join(lines) + "\n")


def build_messy_raw(raw: Path) -> Path:
    raw.mkdir(parents=True)
    for name in STATIC_FILES:
        shutil.copy(FIXTURES / name, raw / name)
    shutil.copy(FIXTURES / "custmers.csv", raw / "custmers.csv")  # a typo: named, not read
    (raw / "accounts.csv.gz").write_bytes(gzip.compress((FIXTURES / "accounts.csv").read_bytes()))
    with duckdb.connect() as con:  # zstd, written by DuckDB itself
        con.execute(
            f"copy (select * from read_csv('{FIXTURES / 'erasure_requests.csv'}', all_varchar = true)) "
            f"to '{raw / 'Erasure_Requests.csv.zst'}' (format csv, header true, compression zstd)"
        )
    write_orders(raw / "orders.csv")
    days = raw / "web_events"
    days.mkdir()
    # parquet from pandas: an integer id with a missing value is stored as float64 (101.0, NaN)
    day_one = pd.DataFrame(
        {
            "event_id": ["w1", "w2"],
            "occurred_at": pd.to_datetime(["2024-03-01 10:00:00", "2024-03-01 11:00:00"]),
            "customer_id": [101.0, np.nan],
            "event_type": ["page_view", "search"],
        }
    )
    day_one.to_parquet(days / "2024-03-01.parquet")
    day_two = pd.DataFrame(
        {
            "event_id": ["w3"],
            "occurred_at": pd.to_datetime(["2024-03-02 10:00:00"]),
            "customer_id": [103.0],
            "event_type": ["page_view"],
        }
    )
    # w1 delivered again on day two: an exact copy in another file of the table
    pd.concat([day_two, day_one.iloc[:1]]).to_parquet(days / "2024-03-02.parquet")
    return raw


def data_lines(path: Path) -> int:
    """Data lines of a small CSV fixture (no quoted newlines): the reader's raw rows, ragged ones included."""
    return len(path.read_text().strip().splitlines()) - 1


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DbtRun]:
    root = tmp_path_factory.mktemp("messy")
    raw = build_messy_raw(root / "raw")
    return raw, run_dbt(STAGING_AND_DQ, raw_dir=raw, work_dir=root / "dbt")


def test_ragged_csv_lines_are_quarantined_with_line_and_text_and_never_shift_values(messy):
    raw, run = messy
    lines = (raw / "Leads.csv").read_text().splitlines()
    malformed = run.query(
        """select raw_line_number, raw_values ->> 'raw_text', raw_values ->> 'reject_errors', raw_file
        from restricted.dq_quarantined_rows_unmasked
        where table_name = 'leads' and reject_reason = 'malformed_row'
        order by 1"""
    )
    assert malformed == [
        (3, lines[2], "TOO MANY COLUMNS", str(raw / "Leads.csv")),
        (4, lines[3], "MISSING COLUMNS", str(raw / "Leads.csv")),
    ]
    # what BI reads (schema main): the line's text holds names, so it is masked; number and error stay
    assert run.query(
        """select raw_line_number, raw_values ->> 'raw_text', raw_values ->> 'reject_errors'
        from main.dq_quarantined_rows where table_name = 'leads' and reject_reason = 'malformed_row'
        order by 1"""
    ) == [(3, "<masked>", "TOO MANY COLUMNS"), (4, "<masked>", "MISSING COLUMNS")]
    # the other rows read with every value in its column; a too-short line caused no
    # "missing the required column" error (the build passed)
    leads = run.query(
        "select lead_id, first_name, job_title, country_code, created_at::varchar from staging.stg_crm__leads order by 1"
    )
    assert leads == [
        ("l1", "Jane", "CTO", "DE", "2024-01-10 09:00:00"),
        ("l4", "Ana", "Buyer", "NA", "2024-01-13 09:00:00"),  # NA is Namibia here (keep_values)
        ("l5", None, None, None, "2024-01-14 09:00:00"),
    ]


def test_every_file_is_accounted_for_and_an_unknown_one_is_named_in_a_warning(messy):
    raw, run = messy
    files = run.frame("select * from main.dq_raw_files").set_index("relative_path")
    on_disk = sorted(str(p.relative_to(raw)) for p in raw.rglob("*") if p.is_file())
    assert sorted(files.index) == on_disk
    assert files.loc["custmers.csv", "table_name"] == "unrecognized"
    assert not files.loc["custmers.csv", "is_read"]
    assert "raw file " + str(raw / "custmers.csv") + " is not a contract table" in run.output
    # names match case-insensitively, compressed CSV and a directory of daily files are read
    expected_tables = {
        "Leads.csv": "leads",
        "accounts.csv.gz": "accounts",
        "Erasure_Requests.csv.zst": "erasure_requests",
        "web_events/2024-03-01.parquet": "web_events",
        "web_events/2024-03-02.parquet": "web_events",
    }
    for name, table in expected_tables.items():
        assert files.loc[name, "table_name"] == table, name
    assert files.loc["Leads.csv", "rows_read"] == data_lines(raw / "Leads.csv")
    assert files.loc["Leads.csv", "malformed_rows"] == 2
    assert files.loc["web_events/2024-03-02.parquet", "rows_read"] == 2
    # reconciliation holds for every table, counting the ragged lines; files add up to the tables
    recon = run.frame(
        """select table_name, any_value(raw_rows) as raw_rows, bool_and(is_reconciled) as ok
        from main.dq_source_reconciliation group by 1"""
    ).set_index("table_name")
    assert recon["ok"].all()
    assert recon.loc["leads", "raw_rows"] == data_lines(raw / "Leads.csv")
    assert recon.loc["orders", "raw_rows"] == REGULAR_ORDERS + 7
    assert recon.loc["accounts", "raw_rows"] == data_lines(FIXTURES / "accounts.csv")
    assert recon.loc["erasure_requests", "raw_rows"] == data_lines(FIXTURES / "erasure_requests.csv")
    by_file = files[files["is_read"]].groupby("table_name")["rows_read"].sum()
    assert (by_file == recon.loc[by_file.index, "raw_rows"]).all()


def test_float_ids_from_pandas_read_as_integers_and_join_their_customer(messy):
    raw, run = messy
    events = run.query(
        "select event_id, customer_id, reject_reason, _raw_file from staging.base_web__events order by 1, 4"
    )
    day_one, day_two = str(raw / "web_events/2024-03-01.parquet"), str(raw / "web_events/2024-03-02.parquet")
    assert events == [
        ("w1", "101", None, day_one),
        ("w1", "101", "duplicate_row", day_two),  # the copy in the later file is the duplicate
        ("w2", None, None, day_one),
        ("w3", "103", None, day_two),
    ]
    identified = run.query(
        """select events.event_id, customers.customer_id from intermediate.int_web_events_identified as events
        inner join intermediate.int_customers_resolved as customers using (customer_id) order by 1"""
    )
    assert identified == [("w1", "101"), ("w3", "103")]


def test_placeholders_are_nulls_required_ones_quarantine_and_create_no_phantom_customer(messy):
    _, run = messy
    missing = run.query(
        """select raw_values ->> 'order_id', reject_column from main.dq_quarantined_rows
        where table_name = 'orders' and reject_reason = 'missing_required_value' order by 1"""
    )
    assert missing == [("o900", "customer_id"), ("o901", "customer_id")]
    assert run.query(
        "select count(*) from intermediate.int_customers_resolved where customer_id in ('NULL', 'N/A', 'null')"
    ) == [(0,)]
    customers = run.query("select customer_id, phone, city from staging.stg_crm__customers order by 1")
    assert customers == [("101", "+49 30 1234", "Berlin"), ("102", None, None), ("103", None, None)]
    nulled = run.query(
        """select table_name, column_name, count(*) from main.dq_nulled_values
        where reason_code = 'null_token' group by all order by all"""
    )
    assert nulled == [
        ("customers", "city", 2),
        ("customers", "phone", 2),
        ("leads", "country_code", 1),  # 'None'; Namibia's NA in l4 is kept (keep_values)
        ("leads", "first_name", 1),
        ("leads", "job_title", 1),
        ("leads", "last_name", 1),
        ("leads", "status", 1),
        ("traits", "value", 1),
    ]


def test_future_created_at_is_nulled_and_every_timestamp_is_checked(messy):
    _, run = messy
    assert run.query("select created_at from staging.stg_crm__customers where customer_id = '102'") == [
        (None,)
    ]
    assert run.query(
        """select table_name, column_name from main.dq_nulled_values
        where reason_code = 'future_timestamp_value'"""
    ) == [("customers", "created_at")]
    assert run.query(
        "select table_name, reject_column from main.dq_quarantined_rows where reject_reason = 'future_timestamp'"
    ) == [("traits", "recorded_at")]


def test_an_order_of_1e12_is_quarantined_as_outlier_with_its_threshold_visible(messy):
    raw, run = messy
    orders = pd.read_csv(raw / "orders.csv", dtype=str, keep_default_na=False)
    amounts = orders["amount"].astype(float)
    logs = np.log(np.abs(amounts[amounts != 0]))
    q1, q3 = np.quantile(logs, [0.25, 0.75])
    expected_threshold = math.exp(q3 + max(3 * (q3 - q1), math.log(100)))
    ((threshold, flagged, fitted),) = run.query(
        """select upper_threshold, flagged_rows, values_fitted from main.dq_outlier_thresholds
        where table_name = 'orders' and column_name = 'amount'"""
    )
    assert threshold == pytest.approx(expected_threshold, rel=1e-9)
    assert (flagged, fitted) == (1, len(logs))
    assert run.query(
        """select raw_values ->> 'order_id' from main.dq_quarantined_rows
        where reject_reason = 'outlier_amount'"""
    ) == [("o905",)]


def test_zero_amount_is_a_purchase_negative_completed_amount_is_not(messy):
    _, run = messy
    clean = run.query(
        "select order_id, amount::double from staging.stg_shop__orders where order_id in ('o902', 'o903', 'o904') order by 1"
    )
    assert clean == [("o902", 0.0), ("o904", -5.0)]
    assert run.query(
        "select raw_values ->> 'order_id' from main.dq_quarantined_rows where reject_reason = 'negative_amount'"
    ) == [("o903",)]


def test_orphan_consents_are_reported_with_a_warning_and_create_no_subject(messy):
    _, run = messy
    assert run.query("select subject_type, subject_id from main.dq_orphan_consents order by 1, 2") == [
        ("customer", "999"),
        ("lead", "l404"),
    ]
    assert "WARN 2 dq_orphan_consents_none_expected" in run.output.replace("\x1b[33m", "").replace(
        "\x1b[0m", ""
    )
    assert run.query(
        "select count(*) from intermediate.int_customer_ids_mapped where source_customer_id = '999'"
    ) == [(0,)]


def test_email_event_before_its_customer_is_quarantined_in_identity_and_reconciled(messy):
    _, run = messy
    assert run.query(
        """select raw_values ->> 'event_id', reject_column from main.dq_quarantined_rows
        where reject_reason = 'event_before_subject_created'"""
    ) == [("e1", "occurred_at")]
    assert run.query("select event_id from intermediate.int_email_events_identified order by 1") == [
        ("e2",),
        ("e3",),  # customer 102's created_at (2099) was nulled: nothing to compare with
    ]
    assert run.query(
        "select clean_rows, quarantined_rows from main.dq_source_reconciliation "
        "where table_name = 'email_events' and outcome = 'clean'"
    ) == [(2, 1)]


def test_traits_and_erasure_requests_follow_the_contract(messy):
    _, run = messy
    traits = run.query(
        "select subject_type, subject_id, trait, trait_value from staging.stg_crm__traits order by all"
    )
    assert traits == [("customer", "101", "plan", "gold"), ("lead", "l1", "education", None)]
    reasons = run.query(
        """select table_name, reject_reason, reject_column from main.dq_quarantined_rows
        where table_name in ('traits', 'erasure_requests') order by all"""
    )
    assert reasons == [
        ("erasure_requests", "missing_required_value", "subject_id"),
        ("erasure_requests", "missing_required_value", "subject_type"),
        ("traits", "duplicate_key", "recorded_at"),
        ("traits", "future_timestamp", "recorded_at"),
        ("traits", "unknown_code", "subject_type"),
    ]
    # the requests name subjects that exist nowhere (erasure itself: test_privacy.py); what a request
    # names is all that is stored, never the id or email (README "Erasure")
    requests = run.query(
        "select subject_type, has_subject_id, has_email from staging.stg_crm__erasure_requests order by all"
    )
    assert requests == [
        ("customer", True, False),
        ("lead", True, False),  # its invalid email nulled (invalid_email), the subject id remains
        (None, False, True),
    ]
    masked = run.query(
        """select raw_values::varchar from restricted.dq_quarantined_rows_unmasked
        where table_name = 'erasure_requests' order by 1"""
    )
    assert masked and all("102" not in values for (values,) in masked)


def test_malformed_files_fail_with_a_clear_error_naming_file_and_column(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    # a float id that is not a whole number
    pd.DataFrame(
        {
            "event_id": ["w1"],
            "occurred_at": pd.to_datetime(["2024-03-01"]),
            "customer_id": [101.5],
            "event_type": ["page_view"],
        }
    ).to_parquet(raw / "web_events.parquet")
    # a table as a file and as a directory
    (raw / "email_events.csv").write_text("event_id,occurred_at,event_type\ne1,2024-03-01,open\n")
    (raw / "email_events").mkdir()
    (raw / "email_events" / "2024-03-02.csv").write_text(
        "event_id,occurred_at,event_type\ne2,2024-03-02,open\n"
    )
    # one table in two formats
    (raw / "consents.csv").write_text("subject_type,subject_id,purpose,granted,recorded_at\n")
    pd.DataFrame({"subject_type": ["lead"]}).to_parquet(raw / "Consents.parquet")
    run = run_dbt(
        [
            "run",
            "--select",
            "stg_raw__outlier_thresholds",
            "base_web__events",
            "base_email__events",
            "base_crm__consents",
        ],
        raw_dir=raw,
        work_dir=tmp_path / "dbt",
        check=False,
    )
    assert run.returncode != 0
    output = " ".join(run.output.split())
    assert (
        f"raw table web.web_events (file {raw / 'web_events.parquet'}), column customer_id: "
        "the id 101.5 is not a whole number" in output
    )
    assert (
        f"raw table 'email_events': both {raw / 'email_events.csv'} and the directory {raw}/email_events/ exist"
        in output
    )
    assert f"raw table 'consents': both {raw / 'consents.csv'} and {raw / 'Consents.parquet'} exist" in output
