"""Serving: readers of the published file never block a build and never see a mix of two builds.

Real processes: two reader processes poll a mart of the published DuckDB file every 100 ms while
builds run and publish. One reader holds its first connection for the whole test (what a dashboard
does); the other reconnects when the file behind the path changes (what a tool does on refresh).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from conftest import BIN_DIR, run_dbt

from audience.serving import PublishRefused, last_build

MART_STATE_SQL = """
    select published_build.build_id, count(*) as customers, sum(customer_rfm.monetary_total)::varchar as revenue
    from main.customer_rfm cross join main.published_build
    group by published_build.build_id
"""

READER = r"""
import json, os, sys, time
import duckdb

path, log, stop, mode = sys.argv[1:5]
sql = sys.argv[5]
con, inode = None, None
with open(log, "w") as out:
    while not os.path.exists(stop):
        began = time.time()
        try:
            current = os.stat(path).st_ino
            if con is None or (mode == "follow" and current != inode):
                if con is not None:
                    con.close()  # DuckDB caches one instance per path: close before reopening
                con, inode = duckdb.connect(path, read_only=True), current
            rows = con.execute(sql).fetchall()
            out.write(json.dumps({"ok": True, "rows": [list(r) for r in rows], "inode": inode}) + "\n")
        except Exception as error:  # every failed read is recorded, and fails the test
            out.write(json.dumps({"ok": False, "error": repr(error)}) + "\n")
        out.flush()
        time.sleep(max(0.0, 0.1 - (time.time() - began)))
"""


def _write_orders(raw_dir: Path, customers: int, amount_step: float, *, with_amount: bool = True) -> None:
    """orders.csv: customer c<i> has i orders of i * amount_step each (an orders-only raw directory)."""
    raw_dir.mkdir(parents=True, exist_ok=True)
    with (raw_dir / "orders.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["order_id", "customer_id", "ordered_at"] + (["amount"] if with_amount else []))
        for i in range(1, customers + 1):
            for n in range(i):
                row = [f"o{i}_{n}", f"c{i}", f"2025-{1 + n % 12:02d}-{1 + i % 28:02d}T10:00:00Z"]
                writer.writerow(row + ([f"{i * amount_step:.2f}"] if with_amount else []))


def _expected(customers: int, amount_step: float) -> tuple[int, float]:
    """The customer_rfm state the orders of `_write_orders` give: customers and total revenue."""
    return customers, sum(i * i * amount_step for i in range(1, customers + 1))


def _publish(work: Path, serving: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            str(BIN_DIR / "audience"),
            "publish",
            "--warehouse",
            str(work / "warehouse.duckdb"),
            "--serving-dir",
            str(serving),
            "--run-results",
            str(work / "target" / "run_results.json"),
        ],
        capture_output=True,
        text=True,
    )


def _published_build(path: Path) -> str:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select build_id from main.published_build").fetchone()[0]


def _reads(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


@pytest.mark.dbt
def test_readers_never_block_builds_and_see_exactly_one_build(tmp_path: Path) -> None:
    raw, work, serving = tmp_path / "raw", tmp_path / "work", tmp_path / "serving"
    select = ["build", "--select", "+customer_rfm"]
    states: dict[str, tuple[int, float]] = {}

    # build 0, published: the file the readers open
    _write_orders(raw, customers=12, amount_step=10.0)
    run_dbt(select, raw_dir=raw, work_dir=work)
    assert _publish(work, serving).returncode == 0
    published = serving / "audience.duckdb"
    states[_published_build(published)] = _expected(12, 10.0)

    stop = tmp_path / "stop"
    readers = {}
    for mode in ("hold", "follow"):
        log = tmp_path / f"reader_{mode}.jsonl"
        proc = subprocess.Popen(
            [sys.executable, "-c", READER, str(published), str(log), str(stop), mode, MART_STATE_SQL]
        )
        readers[mode] = (proc, log)
    try:
        while not all(log.exists() and _reads(log) for _, log in readers.values()):
            time.sleep(0.1)
        # two builds while the readers poll: the same input again, then changed input
        for customers, step in ((12, 10.0), (15, 7.5)):
            _write_orders(raw, customers=customers, amount_step=step)
            run_dbt(select, raw_dir=raw, work_dir=work)  # raises if the build fails
            done = _publish(work, serving)
            assert done.returncode == 0, done.stderr
            states[_published_build(published)] = _expected(customers, step)
        last_id = _published_build(published)

        # a failed build publishes nothing: same file, same build
        inode = os.stat(published).st_ino
        _write_orders(raw, customers=5, amount_step=1.0, with_amount=False)
        failed = run_dbt(select, raw_dir=raw, work_dir=work, check=False)
        assert failed.returncode != 0
        refused = _publish(work, serving)
        assert refused.returncode == 1 and "did not pass" in refused.stderr
        assert os.stat(published).st_ino == inode and _published_build(published) == last_id

        deadline = time.time() + 30
        while time.time() < deadline:
            if any(r["ok"] and r["rows"][0][0] == last_id for r in _reads(readers["follow"][1])):
                break
            time.sleep(0.1)
        time.sleep(0.3)
    finally:
        stop.touch()
        for proc, _ in readers.values():
            proc.wait(timeout=30)

    assert len(states) == 3  # three distinct published builds
    first_id = next(iter(states))
    for mode, (_, log) in readers.items():
        reads = _reads(log)
        assert len(reads) >= 20, f"{mode}: only {len(reads)} reads"
        failures = [r for r in reads if not r["ok"]]
        assert not failures, f"{mode}: {len(failures)} failed reads, e.g. {failures[0]}"
        seen = []
        for read in reads:
            assert len(read["rows"]) == 1, f"{mode}: a read saw {len(read['rows'])} builds"
            build_id, customers, revenue = read["rows"][0]
            assert build_id in states, f"{mode}: unknown build {build_id}"
            expected_customers, expected_revenue = states[build_id]
            assert (customers, pytest.approx(float(revenue))) == (expected_customers, expected_revenue)
            if not seen or seen[-1] != build_id:
                seen.append(build_id)
        if mode == "hold":  # an open connection keeps the inode it opened: build 0, throughout
            assert seen == [first_id]
        else:  # reconnecting on a new inode follows the builds in order
            assert seen == [b for b in states if b in seen] and seen[-1] == last_id


def test_publish_refuses_without_a_passing_build(tmp_path: Path) -> None:
    results = tmp_path / "run_results.json"
    with pytest.raises(PublishRefused, match="run `dbt build` first"):
        last_build(results)
    results.write_text(
        json.dumps(
            {
                "metadata": {"invocation_id": "abc"},
                "results": [
                    {"unique_id": "model.x.a", "status": "success"},
                    {"unique_id": "test.x.b", "status": "fail"},
                    {"unique_id": "model.x.c", "status": "skipped"},
                ],
            }
        )
    )
    with pytest.raises(PublishRefused, match=r"test\.x\.b \(fail\), model\.x\.c \(skipped\)"):
        last_build(results)
    results.write_text(json.dumps({"metadata": {"invocation_id": "abc"}, "results": [{"status": "pass"}]}))
    assert last_build(results)["invocation_id"] == "abc"
