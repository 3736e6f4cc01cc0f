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

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

# the fit writes the model tables and these SQL models apply them to every row
SPARK_SCORERS = ("model_coefficients", "customer_segments_sql", "logistic_scores_sql")
PYTHON_MODELS_SELECTOR = "path:python_models+"
# the SQL models downstream of the Python models (they read the apply step's per-row tables), less the scorers
DOWNSTREAM_SELECTION = ("--select", PYTHON_MODELS_SELECTOR, "--exclude", "path:python_models", *SPARK_SCORERS)


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


def run(target: str, *, bin_dir: Path | None = None, env: dict[str, str] | None = None) -> int:
    """Run the steps of `target` in order with this venv's executables; stops at the first failure."""
    bin_dir = bin_dir or Path(sys.executable).parent
    for step in steps(target):
        command = [str(bin_dir / step.command[0]), *step.command[1:]]
        print(f"[pipeline] {step.name}: {step.description}", flush=True)
        code = subprocess.run(command, env={**os.environ, **(env or {})}).returncode
        if code != 0:
            print(f"[pipeline] {step.name} failed ({code}): {' '.join(command)}", file=sys.stderr)
            return code
    return 0


def run_in_process(
    *,
    target: str = "spark",
    start_at: str | None = None,
    bridge_from: Path | None = None,
    dbt_vars: str | None = None,
    log=print,
) -> int:
    """The Spark steps in this process, sharing one SparkSession (one JVM start instead of one per step).

    dbt runs through its Python API (dbt-spark's session method attaches to this process's session);
    the fit and the apply step call their functions. `start_at`: the first step to run (e.g.
    `fit_on_sample` when the upstream tables come from `bridge_from`, a DuckDB warehouse file whose
    tables the later steps read are first copied to Spark: audience.spark.bridge). `dbt_vars`: as `dbt
    --vars`, for every dbt command and the fit's settings. Stops at the first failure.
    """
    from dbt.cli.main import dbtRunner

    from audience.project import project_vars
    from audience.spark.apply import apply_models
    from audience.spark.fit import fit_on_sample, load_manifest
    from audience.spark.session import spark_session

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
    for step in chosen:
        log(f"[pipeline] {step.name}: {step.description}")
        tool, *args = step.command
        if tool == "dbt":
            ok = runner.invoke([*args, *extra]).success
        elif args[0] == "fit":
            ok = runner.invoke(["parse", "--target", target, *extra]).success
            if ok:
                manifest = load_manifest(target_path)
                if bridge_from is not None:
                    from audience.spark.bridge import bridged_tables, copy_from_duckdb

                    copy_from_duckdb(spark, bridge_from, bridged_tables(manifest), log=log)
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
