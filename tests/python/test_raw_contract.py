"""The raw data contract, staging quarantine and reconciliation, on real `dbt build`s (the messy-input
cases of issue 9 are in test_messy_input.py).

Covers: every table optional (an empty directory and an orders-only directory build green), clear
errors for malformed files (they name table, file and column; one table in two formats is in
test_messy_input.py), extra and differently-cased columns,
planted defects at scale S quarantined with exactly the planted counts, reconciliation of every source,
and the Online Retail import (skipped when the shared file is absent).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import ONLINE_RETAIL, PROJECT_DIR, DbtRun

pytestmark = pytest.mark.dbt

STAGING_AND_DQ = [
    "build",
    "--select",
    "+marts.data_quality",
    "+intermediate.identity",
    "--indirect-selection",
    "cautious",
]


def contract_tables() -> set[str]:
    """Every table of the raw contract (the staging source YAML files)."""
    tables = set()
    for path in (PROJECT_DIR / "models" / "staging").glob("*/_*__sources.yml"):
        for source in yaml.safe_load(path.read_text())["sources"]:
            tables |= {table["name"] for table in source["tables"]}
    return tables


#: Optional contract tables the demo generator does not write.
NOT_GENERATED = {"traits", "erasure_requests"}


def write_csv(directory: Path, table: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{table}.csv"
    path.write_text(text.strip() + "\n")
    return path


def reconciliation(run: DbtRun) -> pd.DataFrame:
    return run.frame(
        """
        select table_name, any_value(raw_rows) as raw_rows, any_value(clean_rows) as clean_rows,
            any_value(quarantined_rows) as quarantined_rows, bool_and(is_reconciled) as is_reconciled
        from main.dq_source_reconciliation group by table_name order by table_name
        """
    )


def test_empty_raw_directory_builds_green(dbt, tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    run = dbt(STAGING_AND_DQ, raw_dir=raw)
    recon = reconciliation(run)
    assert set(recon["table_name"]) == contract_tables()
    assert (recon["raw_rows"] == 0).all()
    assert recon["is_reconciled"].all()


def test_orders_only_directory_builds_green_and_customers_exist(dbt):
    raw = PROJECT_DIR / "tests" / "fixtures" / "raw_minimal"
    run = dbt(["build"], raw_dir=raw)
    assert run.query("select count(*) from intermediate.int_customers_resolved") == [(2,)]
    assert run.query("select count(*) from intermediate.int_customers_resolved where is_in_crm") == [(0,)]
    recon = reconciliation(run).set_index("table_name")
    assert recon.loc["orders", "clean_rows"] == 3
    assert recon["is_reconciled"].all()


def test_missing_required_column_fails_naming_table_file_and_column(dbt, tmp_path):
    raw = tmp_path / "raw"
    path = write_csv(raw, "orders", "order_id,customer_id,ordered_at\no1,c1,2024-01-01")
    run = dbt(STAGING_AND_DQ, raw_dir=raw, check=False)
    assert run.returncode != 0
    assert "raw table shop.orders" in run.output
    assert str(path) in run.output
    assert "required column 'amount'" in run.output


def test_unparseable_required_value_fails_naming_table_file_and_column(dbt, tmp_path):
    raw = tmp_path / "raw"
    path = write_csv(raw, "orders", "order_id,customer_id,ordered_at,amount\no1,c1,yesterday-ish,3.50")
    run = dbt(STAGING_AND_DQ, raw_dir=raw, check=False)
    assert run.returncode != 0
    assert "raw table shop.orders" in run.output
    assert str(path) in run.output
    assert "column ordered_at: cannot parse 'yesterday-ish' as timestamp" in run.output


def test_extra_columns_ignored_and_header_case_insensitive(dbt, tmp_path):
    raw = tmp_path / "raw"
    write_csv(
        raw,
        "orders",
        """
        Order_ID,CUSTOMER_ID,Ordered_At,Amount,Coupon,Status
        o1,c1,2024-01-01T10:00:00+02:00,3.50,X1,Completed
        """,
    )
    run = dbt(STAGING_AND_DQ, raw_dir=raw)
    assert run.query(
        "select order_id, customer_id, ordered_at::varchar, amount::double, order_status from staging.stg_shop__orders"
    ) == [("o1", "c1", "2024-01-01 08:00:00", 3.5, "completed")]


def test_unparseable_optional_value_is_nulled_with_reason(dbt, tmp_path):
    raw = tmp_path / "raw"
    write_csv(raw, "customers", "customer_id,email,birth_date\nc1,a@b.com,31/02/1985\nc2,b@b.com,1990-05-01")
    run = dbt(STAGING_AND_DQ, raw_dir=raw)
    assert run.query(
        "select customer_id, birth_date::varchar from staging.stg_crm__customers order by 1"
    ) == [
        ("c1", None),
        ("c2", "1990-05-01"),
    ]
    assert run.query("select table_name, column_name, reason_code from main.dq_nulled_values") == [
        ("customers", "birth_date", "unparseable_value")
    ]


def test_planted_defects_are_quarantined_with_the_planted_counts(demo_s, demo_s_build):
    planted = pd.read_csv(demo_s.truth_dir / "defects.csv")
    row_level = planted[planted["level"] == "row"]
    quarantined = demo_s_build.frame(
        "select table_name, reject_reason as reason_code, count(*) as quarantined from main.dq_quarantined_rows group by all"
    )
    merged = row_level.merge(quarantined, on=["table_name", "reason_code"], how="outer")
    assert merged["planted_rows"].notna().all(), (
        f"quarantined but not planted:\n{merged[merged['planted_rows'].isna()]}"
    )
    assert (merged["planted_rows"] == merged["quarantined"]).all(), f"\n{merged}"

    value_level = planted[planted["level"] == "value"]
    nulled = demo_s_build.frame(
        "select table_name, reason_code, column_name, count(*) as nulled from main.dq_nulled_values group by all"
    )
    merged = value_level.merge(nulled, on=["table_name", "reason_code", "column_name"], how="outer")
    assert merged["planted_rows"].notna().all(), (
        f"nulled but not planted:\n{merged[merged['planted_rows'].isna()]}"
    )
    assert (merged["planted_rows"] == merged["nulled"]).all(), f"\n{merged}"


def test_every_source_reconciles_at_scale_s(demo_s_build):
    recon = reconciliation(demo_s_build).set_index("table_name")
    assert set(recon.index) == contract_tables()
    generated = sorted(contract_tables() - NOT_GENERATED)
    assert (recon.loc[generated, "raw_rows"] > 0).all()
    assert recon["is_reconciled"].all()
    assert (recon["raw_rows"] == recon["clean_rows"] + recon["quarantined_rows"]).all()


def test_merged_customers_orders_follow_the_survivor(demo_s_build):
    orphans = demo_s_build.query(
        """
        select count(*) from intermediate.int_orders_identified as orders
        where orders.customer_id not in (select customer_id from intermediate.int_customers_resolved)
        """
    )
    assert orphans == [(0,)]
    moved = demo_s_build.query(
        """
        select count(*) from intermediate.int_orders_identified
        where source_customer_id in (select merged_customer_id from staging.stg_crm__customer_merges)
        """
    )
    assert moved[0][0] > 0


@pytest.mark.real_data
def test_online_retail_import_reconciles_canonical_counts(dbt, tmp_path):
    if not ONLINE_RETAIL.exists():
        pytest.skip(f"{ONLINE_RETAIL} is absent")
    from audience.online_retail import import_online_retail

    raw = tmp_path / "online_retail"
    import_online_retail(src=ONLINE_RETAIL, out_dir=raw)
    run = dbt(STAGING_AND_DQ, raw_dir=raw, dbt_vars={"as_of_date": "2011-12-10"})
    recon = reconciliation(run).set_index("table_name")
    assert recon.loc["order_items", "raw_rows"] == 541_909
    assert recon.loc["orders", "raw_rows"] == 25_900
    assert recon.loc["customers", "raw_rows"] == 4_372
    assert recon["is_reconciled"].all()
    lines_without_customer = run.query(
        """
        select count(*) from main.dq_quarantined_rows as items
        where items.table_name = 'order_items'
          and items.reject_reason = 'parent_quarantined'
          and items.raw_values ->> 'order_id' in (
              select orders.raw_values ->> 'order_id' from main.dq_quarantined_rows as orders
              where orders.table_name = 'orders'
                and orders.reject_reason = 'missing_required_value'
                and orders.reject_column = 'customer_id'
          )
        """
    )
    assert lines_without_customer == [(135_080,)]
    cancelled = run.query(
        "select count(*) from staging.base_shop__orders where order_status = 'cancelled' and order_id like 'C%'"
    )
    assert cancelled[0][0] > 0
