"""One entry point for a build on either engine: the steps in order (`audience pipeline --target ...`).

DuckDB: one `dbt build` (the dbt Python models fit inside dbt). Spark: dbt builds the SQL models (the
Python models and what reads their outputs are left out with a selector), `audience fit` fits on a
sample and writes the model tables, dbt builds the SQL scorers that apply them to every row, `audience
apply` writes the Python models' per-row tables from them (and `mapInPandas` for a tree model), and dbt
builds the SQL models downstream of the Python models.
The step list is plain data, importable without any orchestrator: `orchestration/airflow_dag.py` turns
it into an Airflow DAG, and a test checks the task list.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# the fit writes the model tables and these SQL models apply them to every row
SPARK_SCORERS = ("model_coefficients", "customer_segments_sql", "logistic_scores_sql")
PYTHON_MODELS_SELECTOR = "path:python_models+"
# the SQL models downstream of the Python models (they read the apply step's per-row tables), less the scorers
DOWNSTREAM_SELECTION = ("--select", PYTHON_MODELS_SELECTOR, "--exclude", "path:python_models", *SPARK_SCORERS)
# `tests="key"` (the CI test, README "Running on Apache Spark"): the tests a Spark build still runs; the
# others (ranges, accepted values, expressions, custom and singular tests, unit tests) run on DuckDB
KEY_TESTS = ("unique", "unique_combination_of_columns", "relationships")
# the raw contract's own tests: the codes and the table / source names a raw file may carry
CONTRACT_TESTS = ("raw_contract_names", "contract_codes")
TEST_SELECTIONS = ("all", "key")


@dataclass(frozen=True)
class Step:
    """One step: a name (the orchestrator's task id), what it does, and its command line."""

    name: str
    description: str
    command: tuple[str, ...]


def steps(target: str) -> list[Step]:
    """The steps of a build on `target` (duckdb | spark), in the order they must run."""
    if target == "duckdb":
        return [Step("dbt_build", "every model, Python fits included, and every test", ("dbt", "build"))]
    if target != "spark":
        raise ValueError(f"unknown target '{target}': duckdb or spark")
    spark = ("--target", "spark")
    return [
        Step(
            "dbt_seed", "the seeds (reference data, business maps) as Spark tables", ("dbt", "seed", *spark)
        ),
        Step(
            "dbt_build_sql",
            "the SQL models and their tests, up to the feature marts (not the Python models' consumers)",
            ("dbt", "build", *spark, "--exclude", PYTHON_MODELS_SELECTOR, "resource_type:seed"),
        ),
        Step(
            "fit_on_sample",
            "fixed-seed sample of the feature marts to the driver, fit, model tables written to Spark",
            ("audience", "fit", *spark),
        ),
        Step(
            "dbt_build_scorers",
            "the SQL scorers: segment and logistic score of every row from the model tables",
            ("dbt", "build", *spark, "--select", *SPARK_SCORERS),
        ),
        Step(
            "apply_on_cluster",
            "the Python models' per-row tables from every row: SQL scorers, mapInPandas for a tree model",
            ("audience", "apply", *spark),
        ),
        Step(
            "dbt_build_marts",
            "the SQL models downstream of the Python models (segments, scores, history, monitoring, "
            "activation) and their tests",
            ("dbt", "build", *spark, *DOWNSTREAM_SELECTION),
        ),
    ]


def _attached_model(test: dict[str, Any]) -> str | None:
    """The model (or seed) a generic test is declared on."""
    return test.get("attached_node") or next(iter(test["depends_on"]["nodes"][-1:]), None)


def tests_left_to_duckdb(manifest: dict[str, Any]) -> list[str]:
    """The names of the data tests a `tests="key"` Spark build leaves out (they run on DuckDB), sorted.

    Kept on Spark: `unique`, `unique_combination_of_columns` and `relationships` (the keys, composite
    keys and foreign keys), `not_null` on a key column of its model (a column of one of those three
    tests on the same model) and the raw contract's tests (`raw_contract_names`, `contract_codes`).
    Model contracts are checked when a model builds, whatever the selection. Unit tests are left out
    by resource type (`key_test_exclusions`).
    """
    tests = [node for node in manifest["nodes"].values() if node["resource_type"] == "test"]
    keys: dict[str | None, set[str]] = {}
    for test in tests:
        metadata = test.get("test_metadata") or {}
        if metadata.get("name") not in KEY_TESTS:
            continue
        columns = keys.setdefault(_attached_model(test), set())
        columns.update(metadata.get("kwargs", {}).get("combination_of_columns") or [])
        if test.get("column_name"):
            columns.add(test["column_name"])
    left = []
    for test in tests:
        name = (test.get("test_metadata") or {}).get("name")
        key_not_null = name == "not_null" and test.get("column_name") in keys.get(
            _attached_model(test), set()
        )
        if name not in (*KEY_TESTS, *CONTRACT_TESTS) and not key_not_null:
            left.append(test["name"])
    return sorted(left)


def key_test_exclusions(manifest: dict[str, Any]) -> list[str]:
    """`--exclude` arguments that leave a dbt build with the key and contract tests only."""
    return ["resource_type:unit_test", *tests_left_to_duckdb(manifest)]


def with_exclusions(args: list[str] | tuple[str, ...], exclusions: list[str]) -> list[str]:
    """A dbt command's arguments with more `--exclude` selectors (after its own, if it has some)."""
    args = list(args)
    if not exclusions:
        return args
    if "--exclude" not in args:
        return [*args, "--exclude", *exclusions]
    end = args.index("--exclude") + 1
    while end < len(args) and not args[end].startswith("--"):
        end += 1
    return [*args[:end], *exclusions, *args[end:]]


def run(
    target: str,
    *,
    bin_dir: Path | None = None,
    env: dict[str, str] | None = None,
    tests: str = "all",
) -> int:
    """Run the steps of `target` in order with this venv's executables; stops at the first failure.

    `tests`: `all` (every test) or `key` (Spark: the key and contract tests only, `tests_left_to_duckdb`).
    """
    bin_dir = bin_dir or Path(sys.executable).parent
    exclusions: list[str] = []
    if tests == "key" and target == "spark":
        env = {**os.environ, **(env or {})}
        if subprocess.run([str(bin_dir / "dbt"), "parse", "--target", target], env=env).returncode != 0:
            print("[pipeline] dbt parse failed", file=sys.stderr)
            return 1
        target_path = Path(env.get("DBT_TARGET_PATH", "target"))
        exclusions = key_test_exclusions(json.loads((target_path / "manifest.json").read_text()))
    for step in steps(target):
        args = (
            with_exclusions(step.command[1:], exclusions)
            if step.command[:2] == ("dbt", "build")
            else step.command[1:]
        )
        command = [str(bin_dir / step.command[0]), *args]
        print(f"[pipeline] {step.name}: {step.description}", flush=True)
        code = subprocess.run(command, env={**os.environ, **(env or {})}).returncode
        if code != 0:
            print(f"[pipeline] {step.name} failed ({code}): {' '.join(command)}", file=sys.stderr)
            return code
    return 0


def summarize_run(result: Any) -> str:
    """What a dbt invocation ran, by resource type: `84 model, 256 test` (from its results)."""
    counts = Counter(str(item.node.resource_type) for item in getattr(result, "results", None) or [])
    return ", ".join(f"{count} {kind}" for kind, count in sorted(counts.items())) or "nothing"


def _drop_views(spark, tables: list[str], log=print) -> None:
    """Drop the views among `tables` (Spark cannot overwrite a view with a table: the bridge writes tables)."""
    for table in tables:
        if spark.catalog.tableExists(table) and spark.catalog.getTable(table).tableType == "VIEW":
            spark.sql(f"drop view {table}")
            log(f"[bridge] {table}: the view Spark built dropped for the bridged table")


def run_in_process(
    *,
    target: str = "spark",
    start_at: str | None = None,
    bridge_from: Path | None = None,
    dbt_vars: str | None = None,
    tests: str = "all",
    before_step: Callable[[str], None] | None = None,
    log=print,
) -> int:
    """The Spark steps in this process, sharing one SparkSession (one JVM start instead of one per step).

    dbt runs through its Python API (dbt-spark's session method attaches to this process's session);
    the fit and the apply step call their functions. `start_at`: the first step to run (e.g.
    `fit_on_sample` when the upstream tables come from `bridge_from`, a DuckDB warehouse file whose
    tables the later steps read are copied to Spark before the fit, replacing what Spark built:
    audience.spark.bridge). `dbt_vars`: as `dbt --vars`, for every dbt command and the fit's settings.
    `tests`: `all`, or `key`: the dbt builds run only the key and contract tests (`tests_left_to_duckdb`).
    `before_step(name)` is called before each step (the Spark test keeps the marts Spark built before the
    bridge replaces them). Each dbt step logs what it ran; stops at the first failure.
    """
    from dbt.cli.main import dbtRunner

    from audience.project import project_vars
    from audience.spark.apply import apply_models
    from audience.spark.fit import fit_on_sample, load_manifest
    from audience.spark.session import spark_session

    if tests not in TEST_SELECTIONS:
        raise ValueError(f"unknown test selection '{tests}': {' or '.join(TEST_SELECTIONS)}")
    sys.path.insert(0, str(Path.cwd()))
    all_steps = steps(target)
    names = [step.name for step in all_steps]
    chosen = all_steps[names.index(start_at) :] if start_at else all_steps
    extra = ["--vars", dbt_vars] if dbt_vars else []
    target_path = Path(os.environ.get("DBT_TARGET_PATH", "target"))
    profiles_dir = Path(os.environ["DBT_PROFILES_DIR"]) if os.environ.get("DBT_PROFILES_DIR") else None
    runner = dbtRunner()
    spark = spark_session(profiles_dir, target)
    settings = project_vars()
    exclusions: list[str] = []
    if tests == "key":
        if not runner.invoke(["parse", "--target", target, *extra]).success:
            log("[pipeline] dbt parse failed")
            return 1
        exclusions = key_test_exclusions(load_manifest(target_path))
        log(
            f"[pipeline] key and contract tests only: {len(exclusions) - 1} data tests and the unit tests left out"
        )
    for step in chosen:
        if before_step is not None:
            before_step(step.name)
        log(f"[pipeline] {step.name}: {step.description}")
        tool, *args = step.command
        if tool == "dbt":
            if args[0] == "build":
                args = with_exclusions(args, exclusions)
            result = runner.invoke([*args, *extra])
            ok = result.success
            log(f"[pipeline] {step.name} ran: {summarize_run(result.result)}")
        elif args[0] == "fit":
            ok = runner.invoke(["parse", "--target", target, *extra]).success
            if ok:
                manifest = load_manifest(target_path)
                if bridge_from is not None:
                    from audience.spark.bridge import bridged_tables, copy_from_duckdb

                    bridged = bridged_tables(manifest)
                    _drop_views(spark, bridged, log=log)
                    copy_from_duckdb(spark, bridge_from, bridged, log=log)
                fit_on_sample(
                    spark,
                    manifest,
                    max_rows=int(settings["spark_fit_max_rows"]),
                    seed=int(settings["spark_fit_seed"]),
                    log=log,
                )
        else:  # apply
            apply_models(spark, load_manifest(target_path), log=log)
            ok = True
        if not ok:
            log(f"[pipeline] {step.name} failed: {' '.join(step.command)}")
            return 1
    return 0
