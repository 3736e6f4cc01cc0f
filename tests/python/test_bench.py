"""The benchmark's measuring tools (`audience.bench`): no timed assertion, only what is measured and how."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from audience.bench import _peer_json, _ratios, daily_layout, measure, scaling_markdown

ALLOCATE = "import sys; block = bytearray(200 * 1024 * 1024); sys.exit(int(sys.argv[1]))"


def test_measure_reports_the_peak_memory_of_the_command_and_its_children() -> None:
    # the child allocates 200 MiB in a grandchild: the peak counts it, the exit code comes back
    command = [
        sys.executable,
        "-c",
        f"import subprocess, sys; sys.exit(subprocess.call([sys.executable, '-c', {ALLOCATE!r}, '3']))",
    ]
    run = measure(command)
    assert run["returncode"] == 3
    assert run["peak_rss_mib"] >= 200
    assert run["wall_seconds"] >= 0


def test_two_measures_back_to_back_do_not_share_their_peak() -> None:
    big = measure([sys.executable, "-c", ALLOCATE, "0"])
    small = measure([sys.executable, "-c", "print('hello')"])
    assert big["peak_rss_mib"] >= 200 > small["peak_rss_mib"]
    assert "hello" in small["output"]


def test_peer_timings_are_read_from_the_last_json_line() -> None:
    output = "loading\n{'features_s': 9.0, 'total_s': 10.5}\n"
    assert _peer_json(output) == {"features_s": 9.0, "total_s": 10.5}
    assert _peer_json("no json here") is None


def test_ratios_divide_each_warehouse_step_by_each_peer() -> None:
    steps = [
        {"step": "pandas peer", "wall_seconds": 10.0},
        {"step": "duckdb sql reference", "wall_seconds": 4.0},
        {"step": "warehouse feature path (models only)", "wall_seconds": 16.0},
        {"step": "warehouse incremental day", "skipped": "not built yet"},
    ]
    assert _ratios(steps) == {
        "warehouse feature path (models only) / pandas peer": 1.6,
        "warehouse feature path (models only) / duckdb sql reference": 4.0,
    }


def test_daily_layout_splits_the_event_tables_into_history_and_the_last_day(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    with duckdb.connect() as con:
        for table, days in (("web_events", [1, 2, 3, 3]), ("email_events", [3, 1]), ("orders", [3])):
            con.execute(
                f"copy (select 'e' || i as event_id, timestamp '2024-12-28 10:00:00' + to_days(day) as occurred_at "
                f"from unnest({days}) with ordinality as t(day, i)) to '{raw / table}.parquet' (format parquet)"
            )
    day_files = daily_layout(raw, tmp_path / "daily", "2024-12-31")
    daily = tmp_path / "daily"
    assert day_files == [
        daily / "email_events" / "2024-12-31.parquet",
        daily / "web_events" / "2024-12-31.parquet",
    ]
    assert sorted(path.relative_to(daily).as_posix() for path in daily.rglob("*.parquet")) == [
        "email_events/0000-history.parquet",
        "email_events/2024-12-31.parquet",
        "orders.parquet",
        "web_events/0000-history.parquet",
        "web_events/2024-12-31.parquet",
    ]
    with duckdb.connect() as con:

        def count(path: Path) -> int:
            return con.execute(f"select count(*) from '{path}'").fetchone()[0]

        assert (count(daily / "web_events" / "0000-history.parquet"), count(day_files[1])) == (2, 2)
        assert (count(daily / "email_events" / "0000-history.parquet"), count(day_files[0])) == (1, 1)
        assert count(daily / "orders.parquet") == 1


def test_scaling_report_flags_a_model_whose_per_row_cost_grows() -> None:
    def figures(scale: str, rows: int, models: dict[str, float]) -> dict:
        return {
            "scale": scale,
            "measured_at": "2026-12-01",
            "sources": [{"raw_rows": rows}],
            "models": [{"node": node, "seconds": seconds} for node, seconds in models.items()],
        }

    smaller = figures(
        "M", 1_000, {"linear": 2.0, "outgrew_memory": 2.0, "fixed_cost": 0.5, "only_small": 1, "fit": 0.5}
    )
    larger = figures(
        "L", 10_000, {"linear": 20.0, "outgrew_memory": 40.0, "fixed_cost": 0.6, "new": 9.0, "fit": 15.0}
    )
    report = scaling_markdown(smaller, larger, python_models={"fit"})
    assert "| linear | 2.0 | 20.0 | 1.00 |" in report
    assert "| outgrew_memory | 2.0 | 40.0 | 2.00 (over) |" in report
    assert "| fit | 0.5 | 15.0 | 3.00 (Python model) |" in report
    assert "fixed_cost |" not in report and "| new |" not in report
    assert "1 SQL model(s) over 1.3; 1 model(s) under 2.0 s" in report
