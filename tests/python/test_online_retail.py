"""Import of the real UCI Online Retail export: canonical counts, from the written parquet files."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from audience.online_retail import import_online_retail

SRC = (
    Path(__file__).resolve().parents[2].parent / "shared" / "data" / "online_retail" / "online_retail.csv.gz"
)

pytestmark = pytest.mark.real_data


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    if not SRC.exists():
        pytest.skip(f"Online Retail export absent ({SRC})")
    out = tmp_path_factory.mktemp("online_retail")
    return out, import_online_retail(SRC, out)


def test_canonical_counts_from_the_written_files(imported: tuple[Path, dict]) -> None:
    out, counts = imported
    con = duckdb.connect()
    for t in ("orders", "order_items", "customers"):
        con.execute(f"create view {t} as select * from read_parquet('{out / t}.parquet')")
    q = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
    assert q("select count(*) from order_items") == 541_909
    assert q("select count(*) from orders") == 25_900
    assert q("select count(distinct order_id) from orders") == 25_900
    assert q("select count(*) from customers") == 4_372
    assert q("select count(distinct customer_id) from orders") == 4_372
    lines_without_customer = (
        "select count(*) from order_items join orders using (order_id) where customer_id is null"
    )
    assert q(lines_without_customer) == 135_080
    assert (
        q("select count(*) from order_items join orders using (order_id) where status = 'cancelled'") == 9_288
    )
    assert counts == {
        "lines": 541_909,
        "invoices": 25_900,
        "customers": 4_372,
        "lines_without_customer": 135_080,
        "cancellation_lines": 9_288,
        "mixed_invoices": 0,
    }


def test_contract_shape_and_values(imported: tuple[Path, dict]) -> None:
    out, _ = imported
    con = duckdb.connect()
    types = {
        t: dict(
            con.execute(
                f"select column_name, column_type from (describe select * from '{out / t}.parquet')"
            ).fetchall()
        )
        for t in ("orders", "order_items", "customers")
    }
    assert types["orders"] == {
        "order_id": "VARCHAR",
        "customer_id": "VARCHAR",
        "ordered_at": "TIMESTAMP",
        "amount": "DECIMAL(18,2)",
        "currency": "VARCHAR",
        "status": "VARCHAR",
        "channel": "VARCHAR",
    }
    assert types["order_items"] == {
        "order_id": "VARCHAR",
        "line_number": "INTEGER",
        "product_id": "VARCHAR",
        "product_category": "VARCHAR",
        "quantity": "INTEGER",
        "unit_price": "DECIMAL(18,4)",
    }
    assert types["customers"] == {
        "customer_id": "VARCHAR",
        "country_code": "VARCHAR",
        "created_at": "TIMESTAMP",
    }
    first = con.execute(f"select * from '{out / 'orders.parquet'}' where order_id = '536365'").fetchone()
    assert first[1] == "17850" and str(first[2]) == "2010-12-01 08:26:00" and str(first[3]) == "139.12"
    assert (
        con.execute(
            f"select count(*) from '{out / 'customers.parquet'}' where customer_id like '%.%'"
        ).fetchone()[0]
        == 0
    )
    # line numbers are 1..n within each invoice
    bad = con.execute(
        f"select count(*) from (select order_id, max(line_number) m, count(*) n, count(distinct line_number) d "
        f"from '{out / 'order_items.parquet'}' group by 1) where m <> n or d <> n"
    ).fetchone()[0]
    assert bad == 0
