"""The Spark target (issue 14) against the DuckDB build: one Spark process, one JVM, part of `make test`.

What runs on Spark (the `spark_run` fixture runs this file as a script: `_spark_ci_run`):

1. with SPARK_TEST_RAW_CONTRACT=1 (`make test-spark`; not in `make test`: about 10 minutes on Spark, see
   RAW_CONTRACT_ON_SPARK), the raw contract on the messy-input fixture (a typo file, a capital L, null
   tokens, malformed lines, duplicates, ...): the seeds, staging, the DQ marts and everything upstream of
   them, with their key and contract tests; its tables are kept, then every Spark schema is dropped;
2. the S demo data (2,000 customers, 2,000 leads) from its raw files through every step of `audience
   pipeline --target spark --in-process --tests key --bridge-from <the DuckDB S build>`: the seeds, the
   SQL graph up to the feature marts, the fit on a sample, the SQL scorers, the apply step (`mapInPandas`
   for the tree model) and the 27 SQL models downstream of the Python models. The feature and DQ marts
   Spark built are kept before the fit; the fit then runs on the same sample as DuckDB's (the DuckDB
   build's upstream tables copied to Spark, `--bridge-from`): fitted on Spark's own marts, equal within
   1e-9 but not to the last bit, the logistic coefficients moved by up to 6.3e-9 (measured), the solver
   amplifying last-bit differences.

Every SQL model builds on Spark (the test counts them against dbt's manifest), with its contract
(enforced when the model builds). The tests run on Spark are the key and contract tests only
(`audience.spark.pipeline.tests_left_to_duckdb`): `unique`, `unique_combination_of_columns`,
`relationships`, `not_null` on a key column, the raw contract's `raw_contract_names` and
`contract_codes`. The other data tests (ranges, accepted values, expressions, custom and singular
tests) and the unit tests run on the DuckDB builds of the rest of the suite: they check the SQL's
logic, and the comparisons below check that Spark computes the same rows. The choice is CI time: at this
size Spark's time is its fixed cost per query, not the rows (README, "Running on Apache Spark").

Then every table is read as Parquet (no second JVM) and must equal the DuckDB build's: keys, codes and
model versions exactly, numbers within 1e-9; the build clocks are not compared. The DuckDB S build is the
suite's shared one; it is made while Spark builds the raw contract and the SQL graph (the fit waits for
it). Without pyspark, dbt-spark or Java the Spark tests skip (fail under CI=true).
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import PROJECT_DIR, DbtRun, DemoData, require_spark, run_dbt, spark_env

from audience.spark import pipeline  # (its tests_left_to_duckdb, imported by name, would be collected)
from audience.spark.pipeline import SPARK_SCORERS, key_test_exclusions, steps, with_exclusions

# the SQL marts Spark builds from the raw files, compared with DuckDB's (keys first: the sort order)
FEATURE_MARTS = {
    "main.customer_features": ["customer_id"],
    "main.customer_features_training": ["customer_id"],
    "main.customer_propensity_labels": ["customer_id"],
    "main.lead_features": ["lead_id"],
    "main.lead_conversion_labels": ["lead_id"],
    "main.feature_registry": ["model_name", "feature_name", "use_case"],
    "main.dq_source_reconciliation": ["source_name", "table_name", "outcome"],
    "main.dq_quarantined_rows": [
        "source_name",
        "table_name",
        "reject_reason",
        "reject_column",
        "raw_line_number",
    ],
    "main.dq_nulled_values": ["source_name", "table_name", "column_name", "reason_code"],
    "main.dq_column_completeness": ["source_name", "table_name", "column_name"],
    "main.dq_outlier_thresholds": ["source_name", "table_name", "column_name"],
    "main.dq_orphan_consents": ["subject_type", "subject_id", "purpose", "recorded_at"],
    "main.dq_raw_files": ["raw_file"],
}
# the raw contract on Spark: the messy-input fixture through the seeds, staging and the DQ marts (with
# everything upstream of them; cautious: a test that also reads an unselected model is left out)
MESSY_RAW = PROJECT_DIR / "tests" / "fixtures" / "messy_input"
# the raw contract part runs with SPARK_TEST_RAW_CONTRACT=1 (`make test-spark`), not in `make test`: on
# Spark the messy input's base tables took 60-125 s each (3-7 s at S), about 10 minutes in all, over the
# CI budget; the cause is not confirmed (likely the erasure masking's `in (subquery)` inside an `or`)
RAW_CONTRACT_ON_SPARK = os.environ.get("SPARK_TEST_RAW_CONTRACT") == "1"
needs_raw_contract = pytest.mark.skipif(
    not RAW_CONTRACT_ON_SPARK, reason="the raw contract on Spark: SPARK_TEST_RAW_CONTRACT=1 (make test-spark)"
)
STAGING_SELECTION = [
    "--indirect-selection",
    "cautious",
    "--select",
    "resource_type:seed",
    "staging",
    "+dq_source_reconciliation",
    "+dq_quarantined_rows",
    "+dq_raw_files",
]
STAGING_COMPARED = {
    "main.dq_source_reconciliation": ["source_name", "table_name", "outcome"],
    "main.dq_quarantined_rows": [
        "table_name",
        "reject_reason",
        "reject_column",
        "raw_line_number",
        "raw_file",
    ],
    "main.dq_raw_files": ["raw_file"],
    # the staged tables: their base tables (stg_* are views on them, with no files to read)
    "staging.base_crm__customers": ["customer_id"],
    "staging.base_crm__leads": ["lead_id"],
    "staging.base_crm__consents": ["subject_type", "subject_id", "purpose", "recorded_at"],
    "staging.base_email__events": ["event_id"],
    "staging.base_firmographics__accounts": ["account_id"],
}
# the fit's model tables and the SQL scorers
MODEL_TABLES = {
    "ml.segment_centroids": ["segment_id", "feature"],
    "ml.segment_scaler_params": ["output_feature"],
    "ml.scoring_model_coefficients": ["model_name", "output_feature"],
    "main.model_coefficients": ["model_name", "output_feature"],
    "main.customer_segments_sql": ["customer_id"],
    "main.logistic_scores_sql": ["model_name", "scored_id"],
}
# the apply step's per-row tables (the Python models' names and columns) and the marts downstream
DOWNSTREAM = {
    "ml.segment_assignments": ["customer_id"],
    "ml.lead_score_predictions": ["lead_id"],
    "ml.propensity_score_predictions": ["customer_id"],
    "ml.weighted_scores": ["model_name", "scored_id"],
    "ml.segment_model_run": ["model_name"],
    "ml.scoring_model_runs": ["model_name"],
    "main.customer_segments": ["customer_id"],
    "main.segment_profiles": ["segment_id"],
    "main.segment_feature_profiles": ["segment_id", "feature_name"],
    "main.segment_name_tokens": ["segment_id", "word"],
    "main.segment_rfm_mix": ["segment_id", "rfm_segment"],
    "main.lead_scores": ["lead_id"],
    "main.customer_propensity_scores": ["customer_id"],
    "main.model_metrics": ["model_name"],
    "main.model_feature_exclusions": ["model_name", "feature_name"],
    "main.threshold_profit_curve": ["model_name", "threshold"],
    "main.segment_priorities": ["segment_id"],
    "main.feature_drift": ["comparison", "source_model", "feature_name"],
    "main.audience_members": ["audience_name", "subject_type", "subject_id"],
    "main.audience_summary": ["audience_name"],
    "intermediate.int_audience_rule_matches": ["audience_name", "subject_type", "subject_id"],
    "history.score_history": ["model_name", "subject_id"],
    "history.segment_membership_history": ["customer_id"],
    "history.model_runs": ["model_name"],
    "history.model_metrics_history": ["model_name"],
    "history.feature_bin_history": ["comparison", "source_model", "feature_name", "bin_index"],
}
# the clock of each build (trained_at: the build time of model_metrics)
NOT_COMPARED = {"built_at", "recorded_at", "added_at", "trained_at"}


# ---------------------------------------------------------------- orchestration (no Spark needed)


def _load_dag():
    spec = importlib.util.spec_from_file_location(
        "audience_airflow_dag", PROJECT_DIR / "orchestration" / "airflow_dag.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_airflow_dag_lists_the_spark_steps_in_order():
    dag = _load_dag()
    assert dag.TASKS == [
        ("dbt_seed", None),
        ("dbt_build_sql", "dbt_seed"),
        ("fit_on_sample", "dbt_build_sql"),
        ("dbt_build_scorers", "fit_on_sample"),
        ("apply_on_cluster", "dbt_build_scorers"),
        ("dbt_build_marts", "apply_on_cluster"),
    ]
    if dag.DAG is not None:  # with Airflow installed, the DAG object has the same tasks
        assert sorted(dag.dag.task_ids) == sorted(name for name, _ in dag.TASKS)


def test_pipeline_on_duckdb_is_one_dbt_build_and_spark_leaves_out_the_python_models():
    assert [step.command for step in steps("duckdb")] == [("dbt", "build")]
    spark = {step.name: step.command for step in steps("spark")}
    assert "path:python_models+" in spark["dbt_build_sql"]
    assert spark["fit_on_sample"][:2] == ("audience", "fit")
    assert set(SPARK_SCORERS) <= set(spark["dbt_build_scorers"])
    assert spark["apply_on_cluster"][:2] == ("audience", "apply")
    # the SQL models downstream of the Python models, without the Python models and the scorers
    marts = spark["dbt_build_marts"]
    select, exclude = marts.index("--select"), marts.index("--exclude")
    assert marts[select + 1 : exclude] == ("path:python_models+",)
    assert set(marts[exclude + 1 :]) == {"path:python_models", *SPARK_SCORERS}
    with pytest.raises(ValueError, match="unknown target"):
        steps("snowflake")


def _test_node(name: str, test: str | None, model: str, column: str | None = None, **kwargs) -> dict:
    metadata = {"name": test, "kwargs": kwargs} if test else None
    return {
        "resource_type": "test",
        "name": name,
        "test_metadata": metadata,
        "attached_node": f"model.p.{model}" if test else None,
        "column_name": column,
        "depends_on": {"nodes": [f"model.p.{model}"]},
    }


def test_key_tests_are_the_keys_their_not_nulls_and_the_raw_contract():
    tests = [
        _test_node("unique_a_id", "unique", "a", "id"),
        _test_node("not_null_a_id", "not_null", "a", "id"),
        _test_node("not_null_a_name", "not_null", "a", "name"),
        _test_node("accepted_values_a_kind", "accepted_values", "a", "kind", values=["x"]),
        _test_node("ucoc_a", "unique_combination_of_columns", "a", combination_of_columns=["day", "id"]),
        _test_node("not_null_a_day", "not_null", "a", "day"),
        _test_node("relationships_b_a_id", "relationships", "b", "a_id", to="ref('a')", field="id"),
        _test_node("not_null_b_a_id", "not_null", "b", "a_id"),
        _test_node("not_null_b_day", "not_null", "b", "day"),  # day is a key of a, not of b
        _test_node("contract_codes_b_kind", "contract_codes", "b", "kind"),
        _test_node("assert_something", None, "b"),  # a singular test
    ]
    manifest = {"nodes": {f"test.p.{test['name']}": test for test in tests}}
    left = ["accepted_values_a_kind", "assert_something", "not_null_a_name", "not_null_b_day"]
    assert pipeline.tests_left_to_duckdb(manifest) == left
    assert key_test_exclusions(manifest) == ["resource_type:unit_test", *left]


def test_exclusions_join_a_commands_own():
    build_sql = next(step for step in steps("spark") if step.name == "dbt_build_sql").command[1:]
    assert with_exclusions(build_sql, ["t1"]) == [*build_sql, "t1"]
    assert with_exclusions(["build", "--select", "m"], ["t1"]) == [
        "build",
        "--select",
        "m",
        "--exclude",
        "t1",
    ]
    assert with_exclusions(["build", "--exclude", "x", "--select", "m"], ["t1"]) == [
        "build",
        "--exclude",
        "x",
        "t1",
        "--select",
        "m",
    ]
    assert with_exclusions(["seed"], []) == ["seed"]


# ---------------------------------------------------------------- the Spark run (one process, one JVM)


def _keep(warehouse: Path, tables, destination: Path) -> None:
    """Copy the Parquet directories of `tables` (schema.name) out of Spark's warehouse."""
    for table in tables:
        schema, name = table.split(".")
        source = warehouse / f"{schema}.db" / name
        if source.exists():
            shutil.copytree(source, destination / table)


def _spark_ci_run(raw_dir: str, messy_dir: str, duckdb_build: str, kept: str) -> int:
    """This module's Spark process (the `spark_run` fixture runs the module as a script): the raw
    contract on the messy input, then the S pipeline with key tests; see the module docstring."""
    from dbt.cli.main import dbtRunner

    from audience.spark.fit import load_manifest
    from audience.spark.pipeline import run_in_process, summarize_run
    from audience.spark.session import spark_session

    target_path = Path(os.environ["DBT_TARGET_PATH"])
    warehouse = Path(os.environ["SPARK_WAREHOUSE_DIR"])
    session = spark_session()
    runner = dbtRunner()
    # 1. the raw contract on the messy input (when messy_dir is given); its tables kept, then a clean
    # warehouse for the S build
    os.environ["RAW_DATA_DIR"] = messy_dir or raw_dir
    contract_ok = runner.invoke(["parse", "--target", "spark"]).success
    if contract_ok and messy_dir:
        exclusions = key_test_exclusions(load_manifest(target_path))
        result = runner.invoke(
            with_exclusions(["build", "--target", "spark", *STAGING_SELECTION], exclusions)
        )
        contract_ok = result.success
        print(f"[spark-ci] raw contract build ran: {summarize_run(result.result)}", flush=True)
    outcome = ("passed" if contract_ok else "failed") if messy_dir else "skipped (SPARK_TEST_RAW_CONTRACT)"
    print(f"[spark-ci] raw contract build {outcome}", flush=True)
    _keep(warehouse, STAGING_COMPARED, Path(kept) / "messy")
    for database in session.catalog.listDatabases():
        if database.name != "default":
            session.sql(f"drop database `{database.name}` cascade")

    # 2. the S demo data: every step, the key tests; the marts Spark built kept before the bridge
    def before_step(name: str) -> None:
        if name != "fit_on_sample":
            return
        _keep(warehouse, FEATURE_MARTS, Path(kept) / "s")
        waited = time.monotonic()
        while not Path(duckdb_build).exists():  # the test makes the DuckDB S build meanwhile
            if time.monotonic() - waited > 1800:
                raise TimeoutError(f"{duckdb_build} did not appear in 30 minutes")
            time.sleep(2)

    os.environ["RAW_DATA_DIR"] = raw_dir
    code = run_in_process(bridge_from=Path(duckdb_build), tests="key", before_step=before_step)
    print(f"[spark-ci] result {json.dumps({'raw_contract': contract_ok, 'pipeline': code})}", flush=True)
    return 0 if contract_ok and code == 0 else 1


@pytest.fixture(scope="module")
def spark_run(
    request: pytest.FixtureRequest, demo_s: DemoData, tmp_path_factory: pytest.TempPathFactory
) -> dict:
    """The Spark process, with the two DuckDB builds it is compared with made while it runs."""
    require_spark()
    work = tmp_path_factory.mktemp("spark")
    duckdb_link = work / "duckdb_s_build.duckdb"  # a link to the DuckDB S build, made when it is ready
    env = {**spark_env(work), "RAW_DATA_DIR": str(demo_s.raw_dir)}
    command = [
        sys.executable,
        __file__,
        str(demo_s.raw_dir),
        str(MESSY_RAW) if RAW_CONTRACT_ON_SPARK else "",
        str(duckdb_link),
        str(work / "kept"),
    ]
    started = time.monotonic()
    with (work / "spark.log").open("w") as log:
        proc = subprocess.Popen(command, env=env, cwd=PROJECT_DIR, stdout=log, stderr=subprocess.STDOUT)
        try:
            duckdb_link.symlink_to(request.getfixturevalue("demo_s_build").warehouse)
            if RAW_CONTRACT_ON_SPARK:
                request.getfixturevalue("duckdb_messy")
            returncode = proc.wait(timeout=45 * 60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    print(f"[spark_run] the Spark process took {time.monotonic() - started:.0f} s")
    return {
        "returncode": returncode,
        "log": (work / "spark.log").read_text(),
        "warehouse": work / "spark-warehouse",
        "kept": work / "kept",
        "manifest": work / "target" / "manifest.json",
    }


@pytest.fixture(scope="module")
def duckdb_messy(tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    """The same selection as the Spark build's raw-contract part, on DuckDB (every test)."""
    return run_dbt(
        ["build", *STAGING_SELECTION],
        raw_dir=MESSY_RAW,
        work_dir=tmp_path_factory.mktemp("duckdb_messy"),
    )


def _read(path: Path, table: str) -> pd.DataFrame:
    assert path.exists(), f"{table}: Spark did not write it ({path}): see the build test"
    return pd.read_parquet(path)


def _spark_table(spark_run: dict, table: str) -> pd.DataFrame:
    schema, name = table.split(".")
    return _read(spark_run["warehouse"] / f"{schema}.db" / name, table)


# ---------------------------------------------------------------- comparisons


def _naive_utc(frame: pd.DataFrame) -> pd.DataFrame:
    """Timestamps as naive UTC (Spark's Parquet timestamps read back zone-aware)."""
    frame = frame.copy()
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.DatetimeTZDtype):
            frame[column] = frame[column].dt.tz_convert("UTC").dt.tz_localize(None)
    return frame


def _comparable(column: pd.Series) -> pd.Series:
    """Decimals as floats (the engines pick different precisions), lists as Python lists."""
    values = column.dropna()
    if len(values) and isinstance(values.iloc[0], Decimal):
        return column.astype(float)
    if len(values) and isinstance(values.iloc[0], date):  # dates and timestamps as pandas timestamps
        return pd.to_datetime(column)
    if len(values) and not isinstance(values.iloc[0], str) and hasattr(values.iloc[0], "__len__"):
        return column.map(lambda value: None if value is None else list(value), na_action="ignore")
    return column


def _compare(
    spark: pd.DataFrame, duck: DbtRun, table: str, keys: list[str], allow_empty: bool = False
) -> None:
    """The upstream tables and the model tables (decimals, lists, JSON text)."""
    assert allow_empty or not spark.empty, f"{table}: Spark wrote no rows"
    schema, name = table.split(".")
    duckdb_frame = duck.frame(f'select * from "{schema}"."{name}"')
    # raw_values is JSON text: the engines spell it differently (key order, number format)
    common = [
        c
        for c in duckdb_frame.columns
        if c not in {"built_at", "model_version", "raw_values", "value_issues"}
    ]
    assert sorted(spark.columns) == sorted(duckdb_frame.columns), table
    order = keys + [c for c in common if c not in keys]
    left, right = (
        _naive_utc(frame[common].apply(_comparable))
        .sort_values(order, key=lambda c: c.astype(str))
        .reset_index(drop=True)
        for frame in (duckdb_frame, spark)
    )
    assert len(left) == len(right), f"{table}: {len(left)} rows on DuckDB, {len(right)} on Spark"
    assert allow_empty or len(left) > 0, f"{table}: no rows"
    for column in common:
        a, b = left[column], right[column]
        if pd.api.types.is_float_dtype(a) or pd.api.types.is_float_dtype(b):
            a, b = a.astype(float), b.astype(float)
            assert ((a - b).abs() <= 1e-9).where(a.notna() & b.notna(), a.isna() == b.isna()).all(), (
                f"{table}.{column}: largest difference {(a - b).abs().max()}"
            )
        else:  # keys and codes exactly; a null is a null on both sides
            a, b = a.astype(object).where(a.notna(), None), b.astype(object).where(b.notna(), None)
            assert [str(x) for x in a] == [str(x) for x in b], f"{table}.{column} differs"


def _values(series: pd.Series, like: pd.Series) -> list:
    """`series` as comparable Python values, typed as `like` (the DuckDB column): dates and timestamps
    as naive UTC timestamps, whole numbers as int (a Parquet int column with nulls reads as float)."""
    if pd.api.types.is_datetime64_any_dtype(like) or pd.api.types.is_datetime64_any_dtype(series):
        stamps = pd.to_datetime(series, utc=True).dt.tz_localize(None)
        return [None if pd.isna(value) else value for value in stamps]
    whole = pd.api.types.is_integer_dtype(like)
    values = []
    for value in series.astype(object):
        if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            values.append(None)
        elif isinstance(value, bool | np.bool_ | str):
            values.append(value if isinstance(value, str) else bool(value))
        elif isinstance(value, int | np.integer) or (whole and float(value).is_integer()):
            values.append(int(value))
        else:
            values.append(str(value))
    return values


def _compare_downstream(spark: pd.DataFrame, duck: DbtRun, table: str, keys: list[str]) -> None:
    """The apply step's tables and the marts downstream of the Python models (model versions too)."""
    schema, name = table.split(".")
    duckdb_frame = duck.frame(f'select * from "{schema}"."{name}"')
    # same columns (Spark keeps a history table's partition column, as_of_date, last)
    assert sorted(spark.columns) == sorted(duckdb_frame.columns), table
    assert len(spark) == len(duckdb_frame) > 0, (
        f"{table}: {len(duckdb_frame)} rows on DuckDB, {len(spark)} on Spark"
    )
    columns = [c for c in duckdb_frame.columns if c not in NOT_COMPARED]
    order = keys + [c for c in columns if c not in keys and not pd.api.types.is_float_dtype(duckdb_frame[c])]
    left, right = (
        frame[columns].sort_values(order, key=lambda c: c.astype(str)).reset_index(drop=True)
        for frame in (duckdb_frame, spark)
    )
    for column in columns:
        a, b = left[column], right[column]
        if pd.api.types.is_float_dtype(a):
            a, b = a.astype(float), b.astype(float)
            same = ((a - b).abs() <= 1e-9) | (a.isna() & b.isna())
            assert same.all(), f"{table}.{column}: largest difference {(a - b).abs().max()}"
        else:  # keys and codes exactly; a null is a null on both sides
            assert _values(a, a) == _values(b, a), f"{table}.{column} differs"


# ---------------------------------------------------------------- the tests of the Spark run


@pytest.mark.spark
@pytest.mark.dbt
def test_spark_builds_every_model_with_its_key_and_contract_tests(spark_run):
    log = spark_run["log"]
    assert spark_run["returncode"] == 0, log[-6000:]
    # the raw contract's build (SPARK_TEST_RAW_CONTRACT=1), the seeds, the SQL graph, the scorers, the marts
    # downstream of the Python models: each passed with nothing skipped
    done = [line for line in log.splitlines() if "Done. PASS=" in line]
    assert len(done) == 4 + RAW_CONTRACT_ON_SPARK, log[-4000:]
    assert all("ERROR=0" in line and "SKIP=0" in line for line in done), done
    ran = dict(re.findall(r"\[pipeline\] (\w+) ran: (.*)", log))
    assert set(ran) == {"dbt_seed", "dbt_build_sql", "dbt_build_scorers", "dbt_build_marts"}, ran
    # every SQL model of the project (the Python models are the fit and the apply step)
    manifest = json.loads(spark_run["manifest"].read_text())
    sql_models = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["language"] == "sql"
    ]
    built = sum(int(count) for summary in ran.values() for count in re.findall(r"(\d+) model\b", summary))
    assert built == len(sql_models), ran
    # key tests ran in each build, unit tests in none
    for step in ("dbt_build_sql", "dbt_build_scorers", "dbt_build_marts"):
        assert re.search(r"\d+ test\b", ran[step]) and "unit_test" not in ran[step], ran


@pytest.mark.spark
@pytest.mark.dbt
@needs_raw_contract
def test_spark_raw_contract_build_and_its_tests_pass(spark_run):
    assert "[spark-ci] raw contract build passed" in spark_run["log"], spark_run["log"][-6000:]
    assert "unit_test" not in re.search(r"raw contract build ran: (.*)", spark_run["log"]).group(1)


@pytest.mark.spark
@pytest.mark.dbt
@pytest.mark.parametrize("table", sorted(STAGING_COMPARED))
@needs_raw_contract
def test_spark_raw_contract_equals_duckdb(spark_run, duckdb_messy: DbtRun, table: str):
    _compare(_read(spark_run["kept"] / "messy" / table, table), duckdb_messy, table, STAGING_COMPARED[table])


@pytest.mark.spark
@pytest.mark.dbt
@pytest.mark.parametrize("table", sorted(FEATURE_MARTS))
def test_spark_marts_equal_duckdb(spark_run, demo_s_build: DbtRun, table: str):
    _compare(
        _read(spark_run["kept"] / "s" / table, table),
        demo_s_build,
        table,
        FEATURE_MARTS[table],
        allow_empty=table.endswith("orphan_consents"),
    )


@pytest.mark.spark
@pytest.mark.dbt
def test_spark_fit_read_every_row(spark_run):
    # below spark_fit_max_rows the sample is every id: the same fit as the DuckDB build's
    assert "{'customer_id': 1.0, 'lead_id': 1.0}" in spark_run["log"], spark_run["log"][-6000:]


@pytest.mark.spark
@pytest.mark.dbt
@pytest.mark.parametrize("table", sorted(MODEL_TABLES))
def test_spark_model_tables_and_scorers_equal_duckdb(spark_run, demo_s_build: DbtRun, table: str):
    _compare(_spark_table(spark_run, table), demo_s_build, table, MODEL_TABLES[table])


@pytest.mark.spark
@pytest.mark.dbt
def test_a_tree_model_is_applied_with_map_in_pandas(spark_run, demo_s_build: DbtRun):
    # at S with the default settings, histogram gradient boosting wins the purchase propensity model:
    # its probability on Spark comes from the stored estimator applied by mapInPandas
    chosen = dict(demo_s_build.query("select model_name, chosen_estimator from ml.scoring_model_metrics"))
    assert chosen["purchase_propensity"] == "hist_gradient_boosting", (
        "the tree path needs a tree winner: force one (var scoring_candidates) if the defaults change"
    )
    assert "purchase_propensity: stored fit" in spark_run["log"]
    assert "HistGradientBoostingClassifier applied with mapInPandas" in spark_run["log"]


@pytest.mark.spark
@pytest.mark.dbt
@pytest.mark.parametrize("table", sorted(DOWNSTREAM))
def test_spark_downstream_equals_duckdb(spark_run, demo_s_build: DbtRun, table: str):
    _compare_downstream(_spark_table(spark_run, table), demo_s_build, table, DOWNSTREAM[table])


if __name__ == "__main__":  # the `spark_run` fixture's process
    sys.exit(_spark_ci_run(*sys.argv[1:]))
