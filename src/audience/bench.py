"""`audience bench --scale S|M|L`: generate (or reuse) demo data, `dbt build` it, record the figures.

Not a timed test: a tool. Writes `bench/results/<scale>.json` and `.md` with rows per source, wall
time per model (from dbt's run_results.json), total wall time and the peak memory (max RSS) of the
dbt process. Data and warehouse live under `data/bench/<scale>/` (git-ignored).
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

RESULTS_DIR = Path("bench/results")


def _generate_if_missing(scale: str, seed: int, raw_dir: Path, truth_dir: Path) -> float | None:
    if raw_dir.exists() and any(raw_dir.glob("*.parquet")):
        return None
    from audience.generate import generate

    started = time.perf_counter()
    generate(scale=scale, seed=seed, out_dir=raw_dir, truth_dir=truth_dir)
    return time.perf_counter() - started


def run_bench(
    scale: str, seed: int = 42, *, with_tests: bool = True, root: Path = Path("data/bench")
) -> dict:
    """Run the benchmark at `scale` and return (and write) its figures.

    `with_tests=False` builds models and seeds only (no data tests), for the largest scale.
    """
    work = root / scale
    raw_dir, truth_dir = work / "raw", work / "truth"
    generate_seconds = _generate_if_missing(scale, seed, raw_dir, truth_dir)
    warehouse = work / "warehouse.duckdb"
    warehouse.unlink(missing_ok=True)
    env = {
        **os.environ,
        "RAW_DATA_DIR": str(raw_dir),
        "WAREHOUSE_PATH": str(warehouse),
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
        "DBT_PROFILES_DIR": str(Path.cwd()),
    }
    dbt = Path(sys.executable).parent / "dbt"
    started = time.perf_counter()
    command = [str(dbt), "build"] + ([] if with_tests else ["--exclude-resource-type", "test", "unit_test"])
    proc = subprocess.run(command, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-8000:])
        raise SystemExit(f"dbt build failed at scale {scale} (exit {proc.returncode})")

    run_results = json.loads((work / "target" / "run_results.json").read_text())
    models = sorted(
        (
            {
                "node": r["unique_id"].split(".", 2)[-1],
                "type": r["unique_id"].split(".", 1)[0],
                "seconds": round(r["execution_time"], 3),
            }
            for r in run_results["results"]
            if r["unique_id"].startswith(("model.", "seed."))
        ),
        key=lambda m: -m["seconds"],
    )
    with duckdb.connect(str(warehouse), read_only=True) as con:
        sources = [
            {"table": t, "raw_rows": raw, "clean_rows": clean, "quarantined_rows": quarantined}
            for t, raw, clean, quarantined in con.execute(
                """
                select table_name, any_value(raw_rows), any_value(clean_rows), any_value(quarantined_rows)
                from main.dq_source_reconciliation group by table_name order by table_name
                """
            ).fetchall()
        ]
    figures = {
        "scale": scale,
        "seed": seed,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "generate_seconds": None if generate_seconds is None else round(generate_seconds, 1),
        "dbt_build_seconds": round(wall, 1),
        "data_tests": with_tests,
        "dbt_peak_rss_mib": round(peak_kib / 1024, 1),
        "sources": sources,
        "models": models,
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    name = scale if with_tests else f"{scale}-models-only"
    (RESULTS_DIR / f"{name}.json").write_text(json.dumps(figures, indent=2) + "\n")
    (RESULTS_DIR / f"{name}.md").write_text(_markdown(figures))
    print(_markdown(figures))
    return figures


def _markdown(figures: dict) -> str:
    lines = [
        f"# Benchmark, scale {figures['scale']} (seed {figures['seed']})",
        "",
        f"Measured {figures['measured_at']} on {figures['machine']['cpus']} CPUs.",
        "",
        f"- data generation: {figures['generate_seconds'] if figures['generate_seconds'] is not None else 'reused'} s",
        f"- `dbt build` wall time: {figures['dbt_build_seconds']} s"
        + ("" if figures["data_tests"] else " (models and seeds only, data tests excluded)"),
        f"- peak memory of the dbt process: {figures['dbt_peak_rss_mib']} MiB",
        "",
        "| source table | raw rows | clean rows | quarantined rows |",
        "|---|---:|---:|---:|",
        *(
            f"| {s['table']} | {s['raw_rows']:,} | {s['clean_rows']:,} | {s['quarantined_rows']:,} |"
            for s in figures["sources"]
        ),
        "",
        "| node | seconds |",
        "|---|---:|",
        *(f"| {m['node']} | {m['seconds']} |" for m in figures["models"]),
        "",
    ]
    return "\n".join(lines)
