"""The benchmark's measuring tools (`audience.bench`): no timed assertion, only what is measured and how."""

from __future__ import annotations

import sys

from audience.bench import _peer_json, _ratios, measure

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
