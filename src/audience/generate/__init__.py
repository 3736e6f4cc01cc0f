"""Demo raw data for the warehouse: every raw contract table, with planted defects and ground truth.

``generate(scale, seed, out_dir, truth_dir, fmt)`` writes ``<table>.parquet`` (or ``.csv``) for customers,
leads, consents, survey_responses, orders, order_items, web_events, email_events and accounts into
``out_dir``, and the ground truth (never read by a model) into ``truth_dir``:

- ``customer_personas.parquet`` (customer_id, persona): the B2C persona of every original customer
  (design: ``personas`` module docstring); ``customer_duplicates.parquet`` (duplicate_customer_id,
  original_customer_id) for the planted duplicate customers;
- ``lead_truth.parquet``: the known conversion model's probability and outcome per lead (``b2b``);
- ``defects.csv``: exact planted defect counts (classes and rates: ``defects`` module docstring);
- ``manifest.json``: rows per table, persona counts, lead base rate and oracle AUC.

Time: ``END`` = 2026-06-30 23:59:59 UTC (``common.END``) is the observation end; the data spans the two
years before it (``common.START`` = 2024-07-01). Features "as of the day after END" use 2026-07-01.

Scales (about 5 orders, 50 web events, 20 email events per customer; leads = customers, accounts =
customers / 10): S 2,000 customers (tests), M 100,000, L 1,000,000. Work is vectorized numpy over
chunks of at most 50,000 customers / leads, each table appended chunk by chunk (bounded memory).
Deterministic: every chunk of every stream draws from its own ``SeedSequence([seed, stream, chunk])``,
so the same seed gives byte-identical files.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from audience.generate import b2b, defects, personas, tables
from audience.generate.common import END, child_rng, dict_array, ids
from audience.generate.writer import TableSink

__all__ = ["END", "SCALES", "Scale", "generate"]


@dataclass(frozen=True)
class Scale:
    """Size of one generated data set."""

    customers: int
    leads: int
    accounts: int
    chunk: int = 50_000


SCALES: dict[str, Scale] = {
    "S": Scale(customers=2_000, leads=2_000, accounts=200),
    "M": Scale(customers=100_000, leads=100_000, accounts=10_000),
    "L": Scale(customers=1_000_000, leads=1_000_000, accounts=100_000),
}
GUEST_SHARE = 0.01  # guest checkouts per (customer) order
ANONYMOUS_SESSIONS_PER_CUSTOMER = 1.0
ANONYMOUS_BASE = 2_000_000_000  # anonymous ids of never-identified visitors: V2xxxxxxxxx


@dataclass
class _Counters:
    """Running id numbers across chunks."""

    order: int = 1
    web: int = 1
    email: int = 1
    guest: int = 0
    orphan: int = 0
    anonymous: int = 0
    duplicate: int = 0


def _numbered(frame: dict, start: int) -> tuple[dict, int]:
    """The frame sorted by time with event numbers ``start..``; returns it and the next number."""
    frame = tables.sort_frame(frame)
    n = len(frame["time"])
    frame["num"] = start + np.arange(n, dtype=np.int64)
    return frame, start + n


def _customer_chunk(
    seed: int,
    k: int,
    numbers: np.ndarray,
    persona: np.ndarray,
    n_accounts: int,
    n_customers: int,
    counters: _Counters,
    sink: TableSink,
    log: defects.DefectLog,
) -> np.ndarray:
    """Generate, plant and write one chunk of customers and all their B2C tables; returns dup pairs."""
    c = personas.make_customers(child_rng(seed, "customers", k), numbers, persona, n_accounts)
    rng = child_rng(seed, "orders", k)
    o = personas.make_orders(rng, c["persona"], c["created"])
    n_guest = round(GUEST_SHARE * len(o["time"]))
    g = personas.make_guest_orders(child_rng(seed, "guests", k), n_guest)
    o = tables.sort_frame(tables.concat_frames(o, g))
    lines, _ = personas.make_lines(rng, o)
    guest_num = personas.GUEST_BASE + counters.guest + np.cumsum(o["cust"] < 0) - 1
    counters.guest += n_guest
    orders = {
        "num": counters.order + np.arange(len(o["time"]), dtype=np.int64),
        "cust_num": np.where(o["cust"] >= 0, c["number"][np.maximum(o["cust"], 0)], guest_num),
        "row": o["cust"],
        "time": o["time"],
        "amount": o["amount"],
        "status": o["status"],
        "channel": o["channel"],
    }
    counters.order += len(o["time"])
    items = {
        "order_num": orders["num"][lines["order"]],
        "line_number": lines["line_number"],
        "product": lines["product"],
        "category": lines["category"],
        "quantity": lines["quantity"],
        "price_cents": lines["price_cents"],
    }
    last_order = np.full(len(numbers), -1, dtype=np.int64)
    np.maximum.at(last_order, o["cust"][o["cust"] >= 0], o["time"][o["cust"] >= 0])

    rng = child_rng(seed, "web", k)
    w = personas.make_customer_web(rng, c, last_order)
    anon = personas.make_anonymous_web(
        child_rng(seed, "anonymous", k),
        round(ANONYMOUS_SESSIONS_PER_CUSTOMER * len(numbers)),
        ANONYMOUS_BASE + counters.anonymous,
    )
    counters.anonymous += round(ANONYMOUS_SESSIONS_PER_CUSTOMER * len(numbers))
    w = tables.concat_frames(w, anon)
    w["cust_num"] = np.where(w.pop("cust") >= 0, c["number"][np.maximum(w["owner"], 0)], -1)
    w, counters.web = _numbered(w, counters.web)

    e = personas.make_customer_email(child_rng(seed, "email", k), c, last_order)
    e["row"] = e.pop("cust")
    e["cust_num"] = c["number"][e["row"]]
    e, counters.email = _numbered(e, counters.email)

    rng = child_rng(seed, "crm", k)
    s = personas.make_survey(rng, c)
    consent = personas.make_consents(rng, c["persona"], c["created"])
    consent["subject"] = c["number"][consent["subject"]]

    rng = child_rng(seed, "defects", k)
    dup, pairs = defects.plant_customers(rng, c, orders, w, e, log, n_customers + 1 + counters.duplicate)
    counters.duplicate += len(pairs)
    involved = np.zeros(len(numbers), dtype=bool)
    involved[np.isin(c["number"], pairs[:, 1])] = True
    counters.orphan += defects.plant_orders(rng, orders, items, log, counters.orphan)
    defects.plant_web(rng, w, log)
    defects.plant_email(rng, e, c["created"], involved, log)

    sink.write("customers", personas.customers_table(tables.concat_frames(c, dup)))
    sink.write("orders", tables.orders_table(orders))
    sink.write("order_items", tables.items_table(items))
    sink.write("web_events", tables.web_table(w))
    sink.write("email_events", tables.email_table(e))
    sink.write("survey_responses", tables.survey_table({"cust_num": c["number"][s["cust"]], **s}))
    sink.write("consents", tables.consents_table(consent, "customer"))
    return pairs


def generate(
    scale: str,
    seed: int,
    out_dir: str | Path,
    truth_dir: str | Path,
    fmt: str = "parquet",
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Write every raw contract table to ``out_dir`` and the ground truth to ``truth_dir``.

    ``progress`` (optional) is called with a short message after every chunk (the CLI prints it).

    Returns the manifest (rows per table, persona counts, lead base rate and oracle AUC), also written
    to ``truth_dir/manifest.json``.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}: one of {sorted(SCALES)}")
    spec = SCALES[scale]
    began = time.perf_counter()
    out_dir, truth_dir = Path(out_dir), Path(truth_dir)
    truth_dir.mkdir(parents=True, exist_ok=True)
    sink = TableSink(out_dir, fmt)
    log = defects.DefectLog()
    counters = _Counters()

    persona = personas.assign_personas(child_rng(seed, "personas"), spec.customers)
    numbers = np.arange(1, spec.customers + 1, dtype=np.int64)
    pairs = []
    for k, lo in enumerate(range(0, spec.customers, spec.chunk)):
        hi = min(lo + spec.chunk, spec.customers)
        pairs.append(
            _customer_chunk(
                seed, k, numbers[lo:hi], persona[lo:hi], spec.accounts, spec.customers, counters, sink, log
            )
        )
        if progress:
            progress(f"customers and their tables: {hi:,} / {spec.customers:,}")
    dup_pairs = np.concatenate(pairs)

    account_table, accounts = b2b.make_accounts(child_rng(seed, "accounts"), spec.accounts)
    sink.write("accounts", account_table)
    truth_parts = []
    for k, lo in enumerate(range(0, spec.leads, spec.chunk)):
        lead_numbers = np.arange(lo + 1, min(lo + spec.chunk, spec.leads) + 1, dtype=np.int64)
        leads, w, e, consent, truth = b2b.make_leads_chunk(
            child_rng(seed, "leads", k), lead_numbers, accounts
        )
        sink.write("leads", leads)
        w["cust_num"] = w.pop("cust")
        w, counters.web = _numbered(w, counters.web)
        sink.write("web_events", tables.web_table(w))
        e["cust_num"] = e.pop("cust")
        e, counters.email = _numbered(e, counters.email)
        sink.write("email_events", tables.email_table(e))
        sink.write("consents", tables.consents_table(consent, "lead"))
        truth_parts.append(pa.table(truth))
        if progress:
            progress(f"leads and their tables: {min(lo + spec.chunk, spec.leads):,} / {spec.leads:,}")
    rows = sink.close()

    lead_truth = pa.concat_tables(truth_parts)
    pq.write_table(lead_truth, truth_dir / "lead_truth.parquet")
    pq.write_table(
        pa.table(
            {
                "customer_id": ids("customer", numbers),
                "persona": dict_array(persona, personas.PERSONAS),
            }
        ),
        truth_dir / "customer_personas.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "duplicate_customer_id": ids("customer", dup_pairs[:, 0]),
                "original_customer_id": ids("customer", dup_pairs[:, 1]),
            }
        ),
        truth_dir / "customer_duplicates.parquet",
    )
    log.write_csv(truth_dir / "defects.csv")

    p = lead_truth["true_conversion_probability"].to_numpy()
    converted = lead_truth["converted"].to_numpy(zero_copy_only=False)
    manifest = {
        "scale": scale,
        "seed": seed,
        "format": fmt,
        "end": "2026-06-30T23:59:59Z",
        "rows": rows,
        "personas": {name: int((persona == i).sum()) for i, name in enumerate(personas.PERSONAS)},
        "duplicate_customers": len(dup_pairs),
        "lead_base_rate": round(float(converted.mean()), 4),
        "lead_converted_by_end_rate": round(
            float(lead_truth["converted_by_end"].to_numpy(zero_copy_only=False).mean()), 4
        ),
        "lead_oracle_auc": round(b2b.auc(p, converted), 4),
    }
    (truth_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(
        f"generate {scale} seed={seed}: "
        + ", ".join(f"{t}={n:,}" for t, n in rows.items())
        + f" in {time.perf_counter() - began:.1f}s"
    )
    return manifest
