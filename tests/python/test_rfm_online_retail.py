"""BTYD columns of `customer_rfm` on real data (UCI Online Retail) against an independent computation.

The reference is written here in pandas from the raw CSV, following the definition of lifetimes'
``summary_data_from_transaction_data(freq='D', observation_period_end='2011-12-09')`` (lifetimes is
not a dependency): transactions = invoices not starting with ``C``, with a customer, whose amount
sum(Quantity * UnitPrice), in whole pence as the raw contract stores money (decimal(18, 2), half up),
is >= 0 (staging quarantines negative completed invoices as negative_amount; a free invoice is a
purchase) and not an outlier (staging quarantines invoices whose |amount| is above
exp(Q3 + max(3 IQR, ln 100)) of ln|amount| over every non-zero invoice as outlier_amount), placed at their earliest
line time; collapsed per customer and calendar day with amounts summed; then frequency = days - 1,
recency = last day - first day, T = 2011-12-09 - first day, monetary_value = mean of the daily totals
after the first day (0 when there are none). dbt builds `customer_rfm` as of 2011-12-10, the day after
the last invoice, so its observation end, as_of_date - 1, is the same 2011-12-09.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ONLINE_RETAIL = (
    Path(__file__).resolve().parents[3] / "shared" / "data" / "online_retail" / "online_retail.csv.gz"
)
AS_OF_DATE = "2011-12-10"
OBSERVATION_END = pd.Timestamp("2011-12-09")
CENT = Decimal("0.01")


def lifetimes_summary(csv_path: Path) -> pd.DataFrame:
    """repeat_frequency, btyd_recency, btyd_t, repeat_monetary_avg per customer, from the raw CSV."""
    every_line = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    every_line["line_amount"] = [
        int(quantity) * Decimal(price.strip())
        for quantity, price in zip(every_line["Quantity"], every_line["UnitPrice"], strict=True)
    ]
    every_amount = every_line.groupby("InvoiceNo")["line_amount"].sum()
    every_amount = np.array([float(a.quantize(CENT, rounding=ROUND_HALF_UP)) for a in every_amount])
    log_amount = np.log(np.abs(every_amount[every_amount != 0]))
    q1, q3 = np.quantile(log_amount, [0.25, 0.75])
    outlier_threshold = np.exp(q3 + max(3 * (q3 - q1), np.log(100)))

    lines = every_line
    lines = lines[~lines["InvoiceNo"].str.startswith("C") & (lines["CustomerID"].str.strip() != "")].copy()
    lines["customer_id"] = lines["CustomerID"].str.strip().str.removesuffix(".0")
    lines["invoiced_at"] = pd.to_datetime(lines["InvoiceDate"].str.strip())
    invoices = lines.groupby("InvoiceNo").agg(
        customer_id=("customer_id", "first"),
        invoiced_at=("invoiced_at", "min"),
        amount=("line_amount", "sum"),
    )
    invoices["amount"] = [amount.quantize(CENT, rounding=ROUND_HALF_UP) for amount in invoices["amount"]]
    invoices = invoices[(invoices["amount"] >= 0) & (invoices["amount"].map(float) <= outlier_threshold)]
    invoices = invoices[invoices["invoiced_at"].dt.normalize() <= OBSERVATION_END]

    invoices["day"] = invoices["invoiced_at"].dt.normalize()
    days = invoices.groupby(["customer_id", "day"], as_index=False)["amount"].sum()
    days = days.sort_values(["customer_id", "day"])
    days["is_first_day"] = ~days.duplicated("customer_id")

    per_customer = days.groupby("customer_id").agg(
        purchase_days=("day", "size"), first_day=("day", "min"), last_day=("day", "max")
    )
    repeat_days = days[~days["is_first_day"]]
    repeat_totals = repeat_days.groupby("customer_id")["amount"].agg(["sum", "size"])
    per_customer["repeat_monetary_avg"] = (
        (repeat_totals["sum"].map(float) / repeat_totals["size"]).reindex(per_customer.index).fillna(0.0)
    )
    return pd.DataFrame(
        {
            "repeat_frequency": per_customer["purchase_days"] - 1,
            "btyd_recency": (per_customer["last_day"] - per_customer["first_day"]).dt.days,
            "btyd_t": (OBSERVATION_END - per_customer["first_day"]).dt.days,
            "repeat_monetary_avg": per_customer["repeat_monetary_avg"],
        }
    ).sort_index()


@pytest.mark.dbt
@pytest.mark.real_data
def test_btyd_columns_match_lifetimes_definition_for_every_customer(dbt, tmp_path):
    if not ONLINE_RETAIL.exists():
        pytest.skip(f"Online Retail export not present: {ONLINE_RETAIL}")
    from audience.online_retail import import_online_retail

    raw_dir = tmp_path / "raw_online_retail"
    import_online_retail(ONLINE_RETAIL, raw_dir)
    run = dbt(
        ["build", "--select", "+customer_rfm", "--indirect-selection", "cautious"],
        raw_dir=raw_dir,
        dbt_vars={"as_of_date": AS_OF_DATE},
    )

    actual = (
        run.frame(
            "select customer_id, repeat_frequency, btyd_recency, btyd_t, repeat_monetary_avg, frequency, as_of_date "
            "from main.customer_rfm"
        )
        .set_index("customer_id")
        .sort_index()
    )
    assert (actual["as_of_date"] == pd.Timestamp(AS_OF_DATE)).all()

    expected = lifetimes_summary(ONLINE_RETAIL)
    assert len(expected) > 4000  # the export has 4,372 customers; ~4,300 with a purchase

    # lifetimes keeps exactly the customers with a purchase; the mart keeps the others with null BTYD
    buyers = actual[actual["repeat_frequency"].notna()]
    assert set(buyers.index) == set(expected.index)
    assert (actual.loc[actual["repeat_frequency"].isna(), "frequency"] == 0).all()

    buyers = buyers.loc[expected.index]
    for column in ["repeat_frequency", "btyd_recency", "btyd_t"]:
        mismatched = buyers[column].astype("int64") != expected[column].astype("int64")
        assert not mismatched.any(), (
            f"{column}: {int(mismatched.sum())} customers differ, e.g.\n"
            f"{pd.concat([buyers[column], expected[column]], axis=1, keys=['dbt', 'reference'])[mismatched].head()}"
        )
    difference = (buyers["repeat_monetary_avg"].astype(float) - expected["repeat_monetary_avg"]).abs()
    assert difference.max() <= 1e-6, f"repeat_monetary_avg differs by up to {difference.max()}"
    # the comparison is not vacuous: both repeat buyers and one-day buyers are present
    assert (expected["repeat_frequency"] > 0).sum() > 2000
    assert (expected["repeat_frequency"] == 0).sum() > 1000
