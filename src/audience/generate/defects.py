"""Planted data-quality defects: which rows are made defective, how, and how many (``defects.csv``).

Each class is planted on its own DISJOINT set of otherwise clean rows, so that every defective row
triggers exactly one rule of ``seeds/dq/dq_rules.csv``. Counts are ``max(3, round(rate * rows))`` per
generated chunk (rows = the chunk's rows of that table before planting), and the exact totals are
written to ``truth_dir/defects.csv`` (table_name, reason_code, column_name, level, planted_rows).

=========================== =============== ============== ===== =============================== =====
class                       table           column         rate  reason code                     level
=========================== =============== ============== ===== =============================== =====
duplicate customer (email   customers       email          1.0 % duplicate_email                 row
  case/space variant, new
  id, created later)
invalid email               customers       email          0.5 % invalid_email                   value
unparseable birth date      customers       birth_date     0.5 % unparseable_value               value
impossible birth date       customers       birth_date     0.5 % impossible_birth_date           value
unknown country             customers       country_code   0.5 % unknown_country_code            value
missing customer id         orders          customer_id    0.5 % missing_required_value          row
negative amount             orders          amount         0.5 % negative_amount                 row
  (completed orders)
future timestamp (2099)     orders          ordered_at     0.5 % future_timestamp                row
exact duplicate row         orders          (all)          0.5 % duplicate_row                   row
outlier amount (+1,000,000, orders          amount         0.2 % outlier_amount                  row
  completed orders)
lines of the 4 order        order_items     order_id       (*)   parent_quarantined              row
  classes above
orphan order line           order_items     order_id       0.5 % orphan_foreign_key              row
missing event id            web_events      event_id       0.5 % missing_required_value          row
future timestamp (2099)     web_events      occurred_at    0.5 % future_timestamp                row
exact duplicate row         web_events      (all)          0.5 % duplicate_row                   row
event before customer       email_events    occurred_at    0.5 % event_before_subject_created    row
  created (1 h - 30 d early)
=========================== =============== ============== ===== =============================== =====

(*) every line of an order with a missing customer id, a negative amount, a future timestamp or an outlier
amount: those orders keep their (clean) lines, which staging quarantines as ``parent_quarantined``.

A zero amount on a completed order is a valid (free) purchase, not a defect: none is planted. The outlier
amount is far above staging's robust threshold (``outlier_iqr_k`` = 3 IQRs of ln(amount) above Q3, and at
least 100 times Q3: about 70,000 at every scale), so exactly the planted orders are outliers.

Details: duplicate customers copy a clean customer with a new ``customer_id``, an email that equals the
original after trim + lowercase (e.g. ``"  Jane.Doe42@Gmail.COM "``) and a ``created_at`` 1-60 days
later; about half of the original's orders, logged-in web sessions and email campaign chains that start
after that ``created_at`` move, whole, to the duplicate id (``customer_duplicates.parquet`` maps
duplicate -> original).
Duplicate rows count the extra copies (one copy of each is kept). Web-event defects are planted only on
customer and anonymous events, never on lead events (the lead truth stays exact); email defects only on
events of customers not involved in a duplicate. Leads, accounts, consents and survey answers are clean.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from audience.generate import reference as ref
from audience.generate.common import (
    DAY,
    END,
    FUTURE_YEAR_START,
    HOUR,
    START,
    YEAR,
    iso_dates,
    segment_uniform,
)
from audience.generate.personas import SESSION_SLOT

MIN_ROWS = 3
RATES: dict[str, float] = {
    "duplicate_customer": 0.01,
    "invalid_email": 0.005,
    "unparseable_birth_date": 0.005,
    "impossible_birth_date": 0.005,
    "unknown_country": 0.005,
    "order_missing_customer": 0.005,
    "order_negative_amount": 0.005,
    "order_future": 0.005,
    "order_duplicate_row": 0.005,
    "order_outlier_amount": 0.002,
    "orphan_line": 0.005,
    "web_missing_event_id": 0.005,
    "web_future": 0.005,
    "web_duplicate_row": 0.005,
    "email_before_created": 0.005,
}
#: Order numbers of orphan lines start here (no order has such a number).
ORPHAN_BASE = 9_000_000_000
#: Added to the amount (cents) of an outlier order: 1,000,000.00.
OUTLIER_EXTRA_CENTS = 100_000_000
DEFECT_COLUMNS = ("table_name", "reason_code", "column_name", "level", "planted_rows")


def n_planted(rate_key: str, rows: int) -> int:
    """How many rows of a chunk with ``rows`` rows get the defect (at least 3, at most 5 % of rows)."""
    return min(max(MIN_ROWS, round(RATES[rate_key] * rows)), rows // 20)


@dataclass
class DefectLog:
    """Planted counts per (table, reason, column, level), in first-planted order."""

    counts: dict[tuple[str, str, str, str], int] = field(default_factory=dict)

    def add(self, table: str, reason: str, column: str, level: str, n: int) -> None:
        key = (table, reason, column, level)
        self.counts[key] = self.counts.get(key, 0) + int(n)

    def write_csv(self, path: Path) -> None:
        """``defects.csv``: one row per (table, reason, column, level)."""
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(DEFECT_COLUMNS)
            for (table, reason, column, level), n in self.counts.items():
                w.writerow([table, reason, column, level, n])


class _Picker:
    """Draws disjoint random rows of one table, optionally restricted by an eligibility mask."""

    def __init__(self, rng: np.random.Generator, n: int, eligible: np.ndarray | None = None) -> None:
        self.order = rng.permutation(n)
        self.free = np.ones(n, dtype=bool) if eligible is None else eligible.copy()

    def take(self, k: int, where: np.ndarray | None = None) -> np.ndarray:
        ok = self.free[self.order] if where is None else (self.free & where)[self.order]
        rows = np.sort(self.order[ok][:k])
        self.free[rows] = False
        return rows


def _append_copies(frame: dict, rows: np.ndarray) -> None:
    for k, v in frame.items():
        frame[k] = np.concatenate([v, v[rows]])


def _local_and_domain(emails: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    e = emails.astype(str)
    at = np.strings.find(e, "@")
    return np.strings.slice(e, 0, at), np.strings.slice(e, at + 1, None)


def plant_customers(
    rng: np.random.Generator, c: dict, orders: dict, web: dict, email: dict, log: DefectLog, dup_start: int
) -> tuple[dict, np.ndarray]:
    """Plant the customer classes; returns the rows to append (duplicates) and the involved rows."""
    n = len(c["number"])
    pick = _Picker(rng, n)
    src = pick.take(n_planted("duplicate_customer", n))
    bad_email = pick.take(n_planted("invalid_email", n))
    unparseable = pick.take(n_planted("unparseable_birth_date", n))
    impossible = pick.take(n_planted("impossible_birth_date", n))
    unknown = pick.take(n_planted("unknown_country", n))

    local, domain = _local_and_domain(c["email"][bad_email])
    variant = np.arange(len(bad_email)) % 4
    c["email"][bad_email] = np.select(
        [variant == 0, variant == 1, variant == 2],
        [
            np.strings.add(local, "@"),
            np.strings.add(local, ".example.com"),
            np.strings.add(local, "@example"),
        ],
        np.strings.add("@", domain),
    ).astype(object)
    log.add("customers", "invalid_email", "email", "value", len(bad_email))

    year = rng.integers(1940, 2005, len(unparseable)).astype(str)
    variant = np.arange(len(unparseable)) % 4
    c["birth_date"][unparseable] = np.select(
        [variant == 0, variant == 1, variant == 2],
        [np.strings.add("31/02/", year), np.full(len(year), "not a date"), np.strings.add(year, "-02-30")],
        np.strings.add(year, "-13-01"),
    ).astype(object)
    log.add("customers", "unparseable_value", "birth_date", "value", len(unparseable))

    old = np.datetime64("1850-01-01").astype(np.int64) + rng.integers(0, 50 * 365, len(impossible))
    future = np.datetime64("2050-01-01").astype(np.int64) + rng.integers(0, 45 * 365, len(impossible))
    c["birth_date"][impossible] = iso_dates(
        np.where(np.arange(len(impossible)) % 2 == 0, old, future)
    ).astype(object)
    log.add("customers", "impossible_birth_date", "birth_date", "value", len(impossible))

    c["country_text"][unknown] = np.array(ref.UNKNOWN_COUNTRIES, dtype=object)[np.arange(len(unknown)) % 5]
    log.add("customers", "unknown_country_code", "country_code", "value", len(unknown))

    # duplicates: copies of clean customers with a new id, an email variant and a later created_at
    k = len(src)
    dup = {key: v[src].copy() for key, v in c.items()}
    dup["number"] = dup_start + np.arange(k)
    dup["created"] = np.minimum(
        c["created"][src] + segment_uniform(rng, np.full(k, DAY), np.full(k, 60 * DAY)), END - HOUR
    )
    e = c["email"][src].astype(str)
    variant = np.arange(k) % 4
    dup["email"] = np.select(
        [variant == 0, variant == 1, variant == 2],
        [
            np.strings.upper(e),
            np.strings.add(np.strings.add("  ", e), " "),
            np.strings.add(" ", np.strings.upper(e)),
        ],
        np.strings.add(_title_email(e), "  "),
    ).astype(object)
    dup["phone"] = np.where(rng.random(k) < 0.5, "", dup["phone"]).astype(object)
    log.add("customers", "duplicate_email", "email", "row", k)

    dup_of_row = np.full(n, -1, dtype=np.int64)
    dup_of_row[src] = np.arange(k)
    slot = (web["time"] - START) // SESSION_SLOT
    groups = (
        (orders, orders["row"], orders["num"]),  # whole orders,
        (web, web["owner"], web["anon"] * (1 << 20) + slot),  # whole sessions,
        (email, email["row"], email["row"] * 1024 + email["campaign"]),  # whole campaign chains
    )
    for frame, row, group in groups:
        _move_to_duplicate(rng, frame, row, group, dup_of_row, dup["created"], dup["number"])
    pairs = np.stack([dup["number"], c["number"][src]], axis=1)
    return dup, pairs


def _move_to_duplicate(
    rng: np.random.Generator,
    frame: dict,
    row: np.ndarray,
    group: np.ndarray,
    dup_of_row: np.ndarray,
    dup_created: np.ndarray,
    dup_number: np.ndarray,
) -> None:
    """Give about half of the groups (orders, sessions, email chains) of duplicated customers that
    start at or after the duplicate's ``created_at`` the duplicate's customer number (in place)."""
    d = np.where(row >= 0, dup_of_row[np.maximum(row, 0)], -1)
    cand = np.flatnonzero((d >= 0) & (frame["cust_num"] >= 0))
    uniq, inv = np.unique(group[cand], return_inverse=True)
    first = np.full(len(uniq), np.iinfo(np.int64).max)
    np.minimum.at(first, inv, frame["time"][cand])
    coin = rng.random(len(uniq)) < 0.5
    move = coin[inv] & (first[inv] >= dup_created[d[cand]])
    frame["cust_num"][cand[move]] = dup_number[d[cand[move]]]


def _title_email(e: np.ndarray) -> np.ndarray:
    """``jane.doe42@gmail.com`` -> ``Jane.Doe42@Gmail.Com`` (title case of every dot/at-separated part)."""
    local, domain = _local_and_domain(e)
    return np.strings.add(np.strings.add(_title(local), "@"), _title(domain))


def _title(s: np.ndarray) -> np.ndarray:
    out = np.strings.capitalize(s)
    # upper-case the letter after each '.'
    parts = np.strings.partition(out, ".")
    return np.strings.add(np.strings.add(parts[0], parts[1]), np.strings.capitalize(parts[2]))


def plant_orders(
    rng: np.random.Generator, orders: dict, items: dict, log: DefectLog, orphan_start: int
) -> int:
    """Plant the order classes (in place) and orphan lines; returns the number of orphan lines."""
    m = len(orders["num"])
    pick = _Picker(rng, m)
    missing = pick.take(n_planted("order_missing_customer", m))
    negative = pick.take(n_planted("order_negative_amount", m), where=orders["status"] == 0)
    future = pick.take(n_planted("order_future", m))
    copies = pick.take(n_planted("order_duplicate_row", m))
    outliers = pick.take(n_planted("order_outlier_amount", m), where=orders["status"] == 0)

    orders["cust_num"][missing] = -1
    log.add("orders", "missing_required_value", "customer_id", "row", len(missing))
    orders["amount"][negative] = -np.maximum(orders["amount"][negative], 1)
    log.add("orders", "negative_amount", "amount", "row", len(negative))
    orders["amount"][outliers] += OUTLIER_EXTRA_CENTS
    log.add("orders", "outlier_amount", "amount", "row", len(outliers))
    orders["time"][future] = FUTURE_YEAR_START + rng.integers(0, YEAR, len(future))
    log.add("orders", "future_timestamp", "ordered_at", "row", len(future))
    _append_copies(orders, copies)
    log.add("orders", "duplicate_row", "", "row", len(copies))

    quarantined = np.isin(
        items["order_num"], orders["num"][np.concatenate([missing, negative, future, outliers])]
    )
    log.add("order_items", "parent_quarantined", "order_id", "row", int(quarantined.sum()))

    k = n_planted("orphan_line", len(items["order_num"]))
    cat = rng.integers(0, len(ref.CATEGORIES), k)
    prod = rng.integers(0, ref.PRODUCTS_PER_CATEGORY, k)
    numbers, prices = ref.product_catalogue()
    orphans = {
        "order_num": ORPHAN_BASE + orphan_start + np.arange(k),
        "line_number": np.ones(k, dtype=np.int64),
        "product": numbers[cat, prod],
        "category": cat.astype(np.int32),
        "quantity": rng.integers(1, 4, k),
        "price_cents": prices[cat, prod],
    }
    for key in items:
        items[key] = np.concatenate([items[key], orphans[key].astype(items[key].dtype)])
    log.add("order_items", "orphan_foreign_key", "order_id", "row", k)
    return k


def plant_web(rng: np.random.Generator, web: dict, log: DefectLog) -> None:
    """Plant the web-event classes (in place) on customer and anonymous events."""
    n = len(web["num"])
    pick = _Picker(rng, n, eligible=web["lead"] < 0)
    eligible = int((web["lead"] < 0).sum())
    missing = pick.take(n_planted("web_missing_event_id", eligible))
    future = pick.take(n_planted("web_future", eligible))
    copies = pick.take(n_planted("web_duplicate_row", eligible))
    web["num"][missing] = -1
    log.add("web_events", "missing_required_value", "event_id", "row", len(missing))
    web["time"][future] = FUTURE_YEAR_START + rng.integers(0, YEAR, len(future))
    log.add("web_events", "future_timestamp", "occurred_at", "row", len(future))
    _append_copies(web, copies)
    log.add("web_events", "duplicate_row", "", "row", len(copies))


def plant_email(
    rng: np.random.Generator, email: dict, created: np.ndarray, involved: np.ndarray, log: DefectLog
) -> None:
    """Move email events of customers (not ``involved`` in a duplicate) to before their creation."""
    row = email["row"]
    eligible = (row >= 0) & ~involved[np.maximum(row, 0)]
    pick = _Picker(rng, len(row), eligible=eligible)
    early = pick.take(n_planted("email_before_created", int(eligible.sum())))
    email["time"][early] = created[row[early]] - segment_uniform(
        rng, np.full(len(early), HOUR), np.full(len(early), 30 * DAY)
    )
    log.add("email_events", "event_before_subject_created", "occurred_at", "row", len(early))
