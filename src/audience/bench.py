"""Benchmarks (a tool, never a timed test); results go to `bench/results/`.

`audience bench --scale S|M|L`: generate (or reuse) demo data, `dbt build` it, record the figures:
`bench/results/<scale>.json` and `.md` with rows per source, wall time per model (from dbt's
run_results.json), total wall time and the peak memory (max RSS) of the dbt process. Data and
warehouse live under `data/bench/<scale>/` (git-ignored).

`audience bench --peers`: the warehouse side by side with the peers of `../shared/peers/` on their input
(see `run_peer_bench`).
"""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
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
            "duckdb_memory_limit": os.environ.get("DUCKDB_MEMORY_LIMIT", "profiles.yml default"),
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
    _write_scaling(RESULTS_DIR, with_tests)
    return figures


def _write_scaling(results_dir: Path, with_tests: bool) -> None:
    """`M-to-L.md`: the per-row cost of every SQL model from M to L, when both scales were measured."""
    suffix = "" if with_tests else "-models-only"
    paths = [results_dir / f"{scale}{suffix}.json" for scale in ("M", "L")]
    if all(path.exists() for path in paths):
        smaller, larger = (json.loads(path.read_text()) for path in paths)
        python_models = {path.stem for path in Path("python_models").rglob("*.py")}
        (results_dir / f"M-to-L{suffix}.md").write_text(
            scaling_markdown(smaller, larger, python_models=python_models)
        )


def scaling_markdown(
    smaller: dict,
    larger: dict,
    *,
    min_seconds: float = 2.0,
    limit: float = 1.3,
    python_models: frozenset[str] | set[str] = frozenset(),
) -> str:
    """Per-row cost of each model at the larger scale over the smaller's (raw rows of every source table).

    A ratio of 1 is linear scaling; above `limit` a SQL model costs more per row as the data grows
    (usually a sign it outgrew the memory limit and spills, or sorts). Models under `min_seconds` at the
    larger scale are listed apart: their time is mostly fixed cost, so their per-row ratio says little.
    The dbt Python models (`python_models`) are listed with their ratio but not held to `limit`: the
    target is for SQL models, and a Python model's time follows its fit (a sample of bounded size, or a
    stored model reused), not the raw rows.
    """
    rows = [sum(source["raw_rows"] for source in figures["sources"]) for figures in (smaller, larger)]
    seconds = [{m["node"]: m["seconds"] for m in figures["models"]} for figures in (smaller, larger)]
    lines = [
        f"# Per-row cost from {smaller['scale']} to {larger['scale']}",
        "",
        f"Raw rows: {rows[0]:,} ({smaller['scale']}, {smaller['measured_at']}) -> {rows[1]:,} "
        f"({larger['scale']}, {larger['measured_at']}), x{rows[1] / rows[0]:.1f}. Per-row ratio = "
        f"(seconds / raw rows at {larger['scale']}) / (seconds / raw rows at {smaller['scale']}); "
        f"target <= {limit}.",
        "",
        f"| model | {smaller['scale']} s | {larger['scale']} s | per-row ratio |",
        "|---|---:|---:|---:|",
    ]
    small = []
    for node, large_s in sorted(seconds[1].items(), key=lambda item: -item[1]):
        if not seconds[0].get(node):  # new at the larger scale, or too quick to time
            continue
        ratio = (large_s / rows[1]) / (seconds[0][node] / rows[0])
        if large_s < min_seconds:
            small.append(node)
            continue
        flag = " (Python model)" if node in python_models else " (over)" if ratio > limit else ""
        lines.append(f"| {node} | {seconds[0][node]} | {large_s} | {ratio:.2f}{flag} |")
    over = sum(1 for line in lines if line.endswith("(over) |"))
    lines += ["", f"{over} SQL model(s) over {limit}; {len(small)} model(s) under {min_seconds} s at "
              f"{larger['scale']} not listed (fixed cost dominates)."]  # fmt: skip
    return "\n".join(lines) + "\n"


def _markdown(figures: dict) -> str:
    lines = [
        f"# Benchmark, scale {figures['scale']} (seed {figures['seed']})",
        "",
        f"Measured {figures['measured_at']} on {figures['machine']['cpus']} CPUs, DuckDB memory_limit "
        f"{figures['machine']['duckdb_memory_limit']}.",
        "",
        "- data generation: "
        + (
            f"{figures['generate_seconds']} s"
            if figures["generate_seconds"] is not None
            else "reused (already there)"
        ),
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


def run_incremental_bench(scale: str, root: Path = Path("data/bench")) -> dict:
    """The incremental day at `scale`, as `make bench` measures it on the peers' input: a build of every
    day but the last before the as-of date, then `dbt build` (tests included) adding that day
    (`_incremental_day_step`). The as-of date is the current snapshot of the last full build at that
    scale (`run_bench`'s warehouse), so run that first. Writes `bench/results/<scale>-incremental.json`."""
    work = root / scale
    warehouse = work / "warehouse.duckdb"
    if not warehouse.exists():
        raise SystemExit(f"{warehouse} not found: run `make bench SCALE={scale}` first")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (as_of,) = con.execute(
            "select as_of_date from intermediate.int_snapshot_dates where snapshot_name = 'current'"
        ).fetchone()
    env = {
        **os.environ,
        "DBT_LOG_PATH": str(work / "logs"),
        "DBT_PROFILES_DIR": str(Path.cwd()),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    step = _incremental_day_step(work / "raw", work, env, as_of.isoformat(), repeat=1)
    figures = {
        "scale": scale,
        "as_of": as_of.isoformat(),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
                    "duckdb_memory_limit": os.environ.get("DUCKDB_MEMORY_LIMIT", "profiles.yml default")},
        **step,
    }  # fmt: skip
    dbt = step.get("dbt", {})
    text = (
        f"# Incremental day, scale {scale}\n\nMeasured {figures['measured_at']} on {os.cpu_count()} CPUs, "
        f"DuckDB memory_limit {figures['machine']['duckdb_memory_limit']}: `dbt build` (tests included) "
        f"adding the events of the day before {figures['as_of']} after a build of the days before: "
        f"{step['wall_seconds']} s, peak {step['peak_rss_mib']} MiB ({dbt.get('outside_nodes_seconds')} s "
        f"outside the nodes).\n\n| model | seconds |\n|---|---:|\n"
        + "".join(f"| {name} | {seconds} |\n" for name, seconds in dbt.get("models", [])[:15])
    )
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / f"{scale}-incremental.json").write_text(json.dumps(figures, indent=2) + "\n")
    (RESULTS_DIR / f"{scale}-incremental.md").write_text(text)
    print(text)
    return figures


# ---------- side by side with the peers (issue 13): pandas, hand-written DuckDB SQL, the warehouse

PEERS_DIR = Path("../shared/peers")
FEATURE_PATH = ["--select", "+customer_features", "--exclude-resource-type", "test", "unit_test"]


def measure(command: Sequence[str], *, cwd: Path | None = None, env: dict | None = None) -> dict:
    """Run `command` in a child that reports its own wall time and peak RSS (children included).

    The command runs under `python -m audience.bench measure`, whose RUSAGE_CHILDREN covers exactly
    this command and every process it starts, so steps run back to back do not mix their peaks.
    """
    probe = [sys.executable, "-m", "audience.bench", "measure", "--", *command]
    proc = subprocess.run(probe, cwd=cwd, env=env, capture_output=True, text=True)
    lines = proc.stdout.splitlines()
    figures = json.loads(lines[-1]) if lines and lines[-1].startswith('{"measure"') else {}
    return {
        "returncode": figures.get("returncode", proc.returncode),
        "wall_seconds": figures.get("wall_seconds"),
        "peak_rss_mib": figures.get("peak_rss_mib"),
        "output": "\n".join(lines[:-1]) + proc.stderr,
    }


def _measure_main(command: list[str]) -> int:
    started = time.perf_counter()
    proc = subprocess.run(command)
    wall = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    figures = {"measure": 1, "returncode": proc.returncode, "wall_seconds": round(wall, 2),
               "peak_rss_mib": round(peak_kib / 1024, 1)}  # fmt: skip
    sys.stdout.flush()
    print(json.dumps(figures))
    return 0


def _peer_json(output: str) -> dict | None:
    """The JSON line a peer prints (its own timings), if any."""
    for line in reversed(output.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line.replace("'", '"'))
            except json.JSONDecodeError:
                return None
    return None


def _ensure_peer_data(raw_dir: Path, customers: int, as_of: str, peers_dir: Path) -> str:
    if any(raw_dir.glob("*.parquet")):
        return "reused"
    generator = peers_dir / "make_test_data.py"
    if not generator.exists():
        return "missing"
    raw_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, generator.name, "--customers", str(customers), "--out", str(raw_dir.resolve()),
         "--as-of", as_of],
        cwd=peers_dir,
        check=True,
    )  # fmt: skip
    return "generated"


def _step_summary(name: str, runs: list[dict]) -> dict:
    ok = [run for run in runs if run["returncode"] == 0]
    summary = {
        "step": name,
        "runs": len(runs),
        "failed_runs": len(runs) - len(ok),
        "wall_seconds": round(statistics.median(run["wall_seconds"] for run in ok), 2) if ok else None,
        "wall_seconds_all": [run["wall_seconds"] for run in runs],
        "peak_rss_mib": max((run["peak_rss_mib"] for run in ok), default=None),
    }
    if ok and "peer" in ok[-1]:
        summary["peer_timings"] = ok[-1]["peer"]
    if ok and "dbt" in ok[-1]:
        summary["dbt"] = ok[-1]["dbt"]
    return summary


def _dbt_figures(target: Path, wall: float) -> dict:
    """Node times of the last run and the time spent outside the nodes (start-up, parse, compile)."""
    run_results = json.loads((target / "run_results.json").read_text())
    results = run_results["results"]
    by_type: dict[str, float] = {}
    for result in results:
        kind = result["unique_id"].split(".", 1)[0]
        by_type[kind] = by_type.get(kind, 0.0) + result["execution_time"]
    models = sorted(
        ((r["unique_id"].split(".", 2)[-1], round(r["execution_time"], 2)) for r in results
         if r["unique_id"].startswith("model.")),
        key=lambda item: -item[1],
    )  # fmt: skip
    return {
        "nodes": len(results),
        "elapsed_seconds": round(run_results["elapsed_time"], 2),
        "outside_nodes_seconds": round(wall - run_results["elapsed_time"], 2),
        "node_seconds_by_type": {kind: round(seconds, 1) for kind, seconds in sorted(by_type.items())},
        "models": models,
    }


def run_peer_bench(
    raw_dir: Path,
    *,
    as_of: str = "2025-01-01",
    customers: int = 200_000,
    repeat: int = 1,
    peers_dir: Path = PEERS_DIR,
    work: Path = Path("data/bench/peers"),
    results_dir: Path = RESULTS_DIR,
) -> dict:
    """The warehouse side by side with the peers, back to back on the same input; writes the figures.

    Steps, each `repeat` times (median wall time, largest peak RSS, children included): the pandas peer
    and the hand-written DuckDB SQL of `peers_dir` (run from there, never copied; skipped when absent),
    then the warehouse on a fresh DuckDB file: the feature path (`+customer_features`, models only), the
    full `dbt build` with its tests (the models trained), the next day's `dbt build --full-refresh` on
    that file (the stored models reused: the retraining cadence), and an incremental `dbt build` adding
    the last day before `as_of` (on the input laid out in daily files, after a build of the days before;
    `daily_layout`). dbt keeps its target directory under `work` and parses once before the timed steps,
    so every timed run parses partially. The input is generated with the peers' `make_test_data.py` when
    `raw_dir` holds no Parquet file. Writes `bench/results/peers-<raw dir name>.json` and `.md`.
    """
    raw_dir, peers_dir = Path(raw_dir), Path(peers_dir)
    has_peers = (peers_dir / "pandas_pipeline.py").exists()
    data = _ensure_peer_data(raw_dir, customers, as_of, peers_dir)
    if data == "missing":
        raise SystemExit(f"no input in {raw_dir} and no generator in {peers_dir}: nothing to compare")
    work.mkdir(parents=True, exist_ok=True)
    raw = str(raw_dir.resolve())
    peer_steps = {
        "pandas peer": [sys.executable, "pandas_pipeline.py", raw, str((work / "pandas_segments.parquet").resolve()),
                        "--as-of", as_of],
        "duckdb sql reference": [sys.executable, "duckdb_sql_reference.py", raw, as_of],
    }  # fmt: skip
    warehouse = work / "warehouse.duckdb"
    env = {
        **os.environ,
        "RAW_DATA_DIR": raw,
        "WAREHOUSE_PATH": str(warehouse),
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
        "DBT_PROFILES_DIR": str(Path.cwd()),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    dbt = [str(Path(sys.executable).parent / "dbt"), "build", "--vars", json.dumps({"as_of_date": as_of})]
    # (name, command, fresh warehouse file): the full build trains (a fresh file has no stored model); the
    # next night's build (as of the day after, --full-refresh: every table rebuilt from the raw files)
    # reuses the fit the first stored (ml.model_store is not a dbt model; within the retraining cadence)
    next_day = (date.fromisoformat(as_of) + timedelta(days=1)).isoformat()
    next_night = [dbt[0], "build", "--vars", json.dumps({"as_of_date": next_day}), "--full-refresh"]
    warehouse_steps = [
        ("warehouse feature path (models only)", dbt + FEATURE_PATH, True),
        ("warehouse full build with tests, models trained", dbt, True),
        ("warehouse full build with tests, stored models reused (next day)", next_night, False),
    ]
    steps: list[dict] = []
    for name, command in peer_steps.items():
        if not has_peers:
            steps.append({"step": name, "skipped": f"{peers_dir} not found"})
            continue
        runs = []
        for _ in range(repeat):
            run = measure(command, cwd=peers_dir)
            run["peer"] = _peer_json(run["output"])
            runs.append(run)
        steps.append(_step_summary(name, runs))
    # untimed: dbt parses the project once, so every timed step parses partially (the target directory
    # is kept between runs), as a team's repeated builds do
    subprocess.run([str(Path(sys.executable).parent / "dbt"), "parse", "--vars", json.dumps({"as_of_date": as_of})],
                   env=env, check=True, capture_output=True)  # fmt: skip
    for name, command, fresh in warehouse_steps:
        runs = []
        for _ in range(repeat):
            if fresh:
                for suffix in ("", ".wal"):
                    Path(f"{warehouse}{suffix}").unlink(missing_ok=True)
            run = measure(command, env=env)
            if run["returncode"] != 0:
                sys.stderr.write(run["output"][-6000:])
                raise SystemExit(f"{name} failed (exit {run['returncode']})")
            run["dbt"] = _dbt_figures(work / "target", run["wall_seconds"])
            runs.append(run)
        steps.append(_step_summary(name, runs))
    steps.append(_incremental_day_step(raw_dir, work, env, as_of, repeat))
    figures = {
        "input": raw_dir.name,
        "raw_dir": raw,
        "as_of": as_of,
        "input_data": data,
        "repeat": repeat,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "load_average_at_start": [round(x, 2) for x in os.getloadavg()]},
        "steps": steps,
        "ratios": _ratios(steps),
    }  # fmt: skip
    results_dir.mkdir(parents=True, exist_ok=True)
    name = f"peers-{raw_dir.name}"
    (results_dir / f"{name}.json").write_text(json.dumps(figures, indent=2) + "\n")
    (results_dir / f"{name}.md").write_text(_peer_markdown(figures))
    print(_peer_markdown(figures))
    return figures


EVENT_TABLES = ("web_events", "email_events")


def daily_layout(raw_dir: Path, target: Path, day: str) -> list[Path]:
    """A copy of the Parquet input with the event tables as directories of files (README, "Incremental
    refresh"): `<table>/0000-history.parquet` (every event not on `day`) and `<table>/<day>.parquet`.
    Returns the files of `day`."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    day_files = []
    with duckdb.connect() as con:
        for path in sorted(raw_dir.glob("*.parquet")):
            table = path.name.split(".")[0].lower()
            if table not in EVENT_TABLES:
                shutil.copy2(path, target / path.name)
                continue
            (target / table).mkdir()
            for name, condition in (("0000-history", "<>"), (day, "=")):
                con.execute(
                    f"copy (select * from read_parquet('{path}') where cast(occurred_at as date) {condition} "
                    f"date '{day}') to '{target / table / name}.parquet' (format parquet)"
                )
            day_files.append(target / table / f"{day}.parquet")
    return day_files


def _incremental_day_step(raw_dir: Path, work: Path, env: dict, as_of: str, repeat: int) -> dict:
    """`dbt build` (tests included) with var incremental_refresh after a build of every day but the last
    before `as_of`, on the input laid out in daily files (daily_layout): the step's figures."""
    day = (date.fromisoformat(as_of) - timedelta(days=1)).isoformat()
    daily, held = work / "daily_raw", work / "daily_held"
    day_files = daily_layout(raw_dir, daily, day)
    warehouse = work / "incremental.duckdb"
    env = {**env, "RAW_DATA_DIR": str(daily.resolve()), "WAREHOUSE_PATH": str(warehouse),
           "DBT_TARGET_PATH": str(work / "target_incremental")}  # fmt: skip
    dbt_vars = json.dumps({"as_of_date": as_of, "incremental_refresh": True})
    command = [str(Path(sys.executable).parent / "dbt"), "build", "--vars", dbt_vars]
    runs = []
    for _ in range(repeat):
        for suffix in ("", ".wal"):
            Path(f"{warehouse}{suffix}").unlink(missing_ok=True)
        for path in day_files:
            (held / path.parent.name).mkdir(parents=True, exist_ok=True)
            path.rename(held / path.parent.name / path.name)
        for label in ("days before", "incremental day"):
            run = measure(command, env=env)
            if run["returncode"] != 0:
                sys.stderr.write(run["output"][-6000:])
                raise SystemExit(f"warehouse incremental day ({label}) failed (exit {run['returncode']})")
            for path in day_files:
                if not path.exists():
                    (held / path.parent.name / path.name).rename(path)
        run["dbt"] = _dbt_figures(work / "target_incremental", run["wall_seconds"])
        runs.append(run)
    return _step_summary("warehouse incremental day", runs)


def _ratios(steps: list[dict]) -> dict:
    walls = {step["step"]: step.get("wall_seconds") for step in steps}
    ratios = {}
    for name, wall in walls.items():
        if not name.startswith("warehouse") or wall is None:
            continue
        for peer in ("pandas peer", "duckdb sql reference"):
            if walls.get(peer):
                ratios[f"{name} / {peer}"] = round(wall / walls[peer], 2)
    return ratios


def _peer_markdown(figures: dict) -> str:
    lines = [
        f"# Side by side on the peers' input `{figures['input']}` (as of {figures['as_of']})",
        "",
        f"Measured {figures['measured_at']} on {figures['machine']['cpus']} CPUs (load average at start "
        f"{figures['machine']['load_average_at_start']}); median of {figures['repeat']} run(s) per step, "
        "peak RSS of the step's processes (children included).",
        "",
        "| step | wall (s) | peak RSS (MiB) | note |",
        "|---|---:|---:|---|",
    ]
    for step in figures["steps"]:
        if "skipped" in step:
            lines.append(f"| {step['step']} | | | skipped: {step['skipped']} |")
            continue
        note = ""
        if "dbt" in step:
            dbt = step["dbt"]
            note = (
                f"{dbt['nodes']} nodes; outside the nodes (start-up, parse) {dbt['outside_nodes_seconds']} s; "
                + ", ".join(f"{kind} {seconds} s" for kind, seconds in dbt["node_seconds_by_type"].items())
            )
        elif step.get("peer_timings"):
            note = "in-script: " + json.dumps(step["peer_timings"])
        lines.append(f"| {step['step']} | {step['wall_seconds']} | {step['peak_rss_mib']} | {note} |")
    lines += ["", "| ratio | value |", "|---|---:|"]
    lines += [f"| {name} | {value} |" for name, value in figures["ratios"].items()]
    for step in figures["steps"]:
        if "dbt" in step:
            lines += ["", f"Slowest models, {step['step']} (s, node time of the last run):", "",
                      "| model | seconds |", "|---|---:|"]  # fmt: skip
            lines += [f"| {model} | {seconds} |" for model, seconds in step["dbt"]["models"][:15]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "measure" and sys.argv[2] == "--":
        sys.exit(_measure_main(sys.argv[3:]))
    raise SystemExit("usage: python -m audience.bench measure -- COMMAND...")
