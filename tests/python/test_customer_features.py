"""Integration tests of the customer feature marts: point-in-time correctness and the feature registry.

* No leakage: the training snapshot of a build as of D equals the current snapshot of a build as of
  D - horizon, on the full raw data and on raw data cut at D - horizon (every row at or after it deleted).
* Registry: one new SQL column plus one YAML entry on ``customer_features`` is all it takes for a
  feature to reach ``registry_specs(..., use='clustering')``.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from audience.features import registry_specs

PROJECT_DIR = Path(__file__).resolve().parents[2]

HORIZON_DAYS = 30
FEATURE_MODELS = ["+customer_features", "+customer_features_training"]
#: Models only: the data tests of these models run in `dbt build` elsewhere; here we compare tables.
MODELS_ONLY = ["--exclude-resource-type", "test", "unit_test"]

#: Raw tables and the time column that places a row in time (rows with a null time are kept).
ROW_TIMES = {
    "customers": "created_at",
    "leads": "created_at",
    "consents": "recorded_at",
    "survey_responses": "answered_at",
    "orders": "ordered_at",
    "web_events": "occurred_at",
    "email_events": "occurred_at",
}


def _raw_file(raw_dir: Path, table: str) -> Path | None:
    for suffix in (".parquet", ".csv"):
        path = raw_dir / f"{table}{suffix}"
        if path.exists():
            return path
    return None


def _reader(path: Path) -> str:
    if path.suffix == ".parquet":
        return f"read_parquet('{path}')"
    return f"read_csv('{path}', header = true, all_varchar = true)"


def _as_of_date(raw_dir: Path) -> dt.date:
    """The day after the latest order or event that is not in the future (planted defects are)."""
    parts = []
    for table, column in [
        ("orders", "ordered_at"),
        ("web_events", "occurred_at"),
        ("email_events", "occurred_at"),
    ]:
        path = _raw_file(raw_dir, table)
        if path is not None:
            parts.append(f"select try_cast({column} as timestamp) as ts from {_reader(path)}")
    with duckdb.connect() as con:
        (latest,) = con.execute(
            f"select max(ts) from ({' union all '.join(parts)}) where ts <= now()::timestamp"
        ).fetchone()
    return latest.date() + dt.timedelta(days=1)


def _cut_raw_data(raw_dir: Path, out_dir: Path, cut: dt.date) -> dict[str, int]:
    """Copy the raw files to `out_dir` without the rows placed at or after `cut` (00:00 UTC).

    Order lines go with their order. Returns the number of rows deleted per table.
    """
    out_dir.mkdir(parents=True)
    cut_at = f"timestamp '{cut.isoformat()} 00:00:00'"
    deleted = {}
    with duckdb.connect() as con:
        orders = _raw_file(raw_dir, "orders")
        late_orders = (
            f"select order_id from {_reader(orders)} where try_cast(ordered_at as timestamp) >= {cut_at}"
            if orders
            else "select null as order_id where false"
        )
        for path in sorted(raw_dir.iterdir()):
            table = path.stem
            column = ROW_TIMES.get(table)
            if column is not None:
                keep = (
                    f"try_cast({column} as timestamp) is null or try_cast({column} as timestamp) < {cut_at}"
                )
            elif table == "order_items":
                keep = f"order_id is null or order_id not in ({late_orders})"
            else:
                shutil.copy(path, out_dir / path.name)
                continue
            before = con.execute(f"select count(*) from {_reader(path)}").fetchone()[0]
            kept = f"select * from {_reader(path)} where {keep}"
            fmt = "(format parquet)" if path.suffix == ".parquet" else "(format csv, header true)"
            con.execute(f"copy ({kept}) to '{out_dir / path.name}' {fmt}")
            after = con.execute(f"select count(*) from {_reader(out_dir / path.name)}").fetchone()[0]
            deleted[table] = before - after
    return deleted


def _features(run, model: str) -> pd.DataFrame:
    frame = run.frame(f"select * from main.{model} order by customer_id")
    return frame.reset_index(drop=True)


@pytest.mark.dbt
def test_training_snapshot_reads_nothing_after_its_date(dbt, demo_s, tmp_path):
    as_of = _as_of_date(demo_s.raw_dir)
    training_date = as_of - dt.timedelta(days=HORIZON_DAYS)
    build_vars = {"propensity_horizon_days": HORIZON_DAYS}

    at_d = dbt(
        ["build", "--select", *FEATURE_MODELS, *MODELS_ONLY],
        raw_dir=demo_s.raw_dir,
        dbt_vars={**build_vars, "as_of_date": as_of.isoformat()},
    )
    training = _features(at_d, "customer_features_training")
    assert len(training) > 100
    assert (training["as_of_date"] == pd.Timestamp(training_date)).all()
    # the horizon after the training date holds data, so leaking it would show
    assert (
        at_d.query(
            "select count(*) from intermediate.int_orders_identified "
            f"where ordered_at >= '{training_date}' and ordered_at < '{as_of}'"
        )[0][0]
        > 0
    )

    # 1. the same SQL as of the training date, on the full data
    at_training = dbt(
        ["build", "--select", *FEATURE_MODELS, *MODELS_ONLY],
        raw_dir=demo_s.raw_dir,
        dbt_vars={**build_vars, "as_of_date": training_date.isoformat()},
    )
    pd.testing.assert_frame_equal(_features(at_training, "customer_features"), training, check_exact=True)

    # 2. ... and on the data cut at the training date: nothing at or after it can have been read
    cut_dir = tmp_path / "raw_cut"
    deleted = _cut_raw_data(demo_s.raw_dir, cut_dir, training_date)
    assert deleted["orders"] > 0 and deleted["web_events"] > 0 and deleted["email_events"] > 0
    on_cut = dbt(
        ["build", "--select", *FEATURE_MODELS, *MODELS_ONLY],
        raw_dir=cut_dir,
        dbt_vars={**build_vars, "as_of_date": training_date.isoformat()},
    )
    pd.testing.assert_frame_equal(_features(on_cut, "customer_features"), training, check_exact=True)


def _copy_project(target: Path) -> Path:
    """A copy of the dbt project (sources of the build only) to change without touching the real one."""
    target.mkdir(parents=True)
    for name in ["models", "macros", "seeds", "python_models", "tests/dbt", "analyses"]:
        if (PROJECT_DIR / name).exists():
            shutil.copytree(PROJECT_DIR / name, target / name)
    for name in ["dbt_project.yml", "profiles.yml"]:
        shutil.copy(PROJECT_DIR / name, target / name)
    return target


def _declared(features_yml: dict, model: str, use: str) -> set[str]:
    (node,) = [m for m in features_yml["models"] if m["name"] == model]
    return {
        column["name"]
        for column in node["columns"]
        if use in ((column.get("meta") or {}).get("feature") or {}).get("use", [])
    }


@pytest.mark.dbt
def test_new_clustering_feature_needs_one_sql_column_and_one_yaml_entry(dbt, demo_s, tmp_path):
    project = _copy_project(tmp_path / "project")

    # ONE new SQL column ...
    sql_path = project / "models" / "marts" / "features" / "customer_features.sql"
    sql = sql_path.read_text()
    assert "select * exclude (snapshot_name)" in sql
    sql_path.write_text(
        sql.replace(
            "select * exclude (snapshot_name)",
            # not a multiple of an existing feature: a near-duplicate would be left out of the fit
            "select\n    * exclude (snapshot_name),\n    frequency * tenure_days as frequency_by_tenure",
        )
    )
    # ... and ONE YAML entry (customer_features only; the training mart shares the list through an
    # anchor, which the YAML round trip below expands into a copy)
    yml_path = project / "models" / "marts" / "features" / "_features__models.yml"
    features_yml = yaml.safe_load(yml_path.read_text())
    before = _declared(features_yml, "customer_features", "clustering")
    (node,) = [m for m in features_yml["models"] if m["name"] == "customer_features"]
    node["columns"] = [
        *node["columns"],
        {
            "name": "frequency_by_tenure",
            "data_type": "integer",
            "description": "Frequency times tenure (a feature added by the registry test).",
            "meta": {"feature": {"role": "numeric", "use": ["clustering"]}},
        },
    ]
    yml_path.write_text(yaml.safe_dump(features_yml, sort_keys=False))

    run = dbt(
        ["build", "--select", "+segment_scaler_params", "feature_registry", *MODELS_ONLY],
        raw_dir=demo_s.raw_dir,
        project_dir=project,
    )
    # the new column is in customer_features, with the type its SQL gives
    assert run.query(
        "select data_type from information_schema.columns "
        "where table_name = 'customer_features' and column_name = 'frequency_by_tenure'"
    ) == [("INTEGER",)]

    registry = run.frame("select * from main.feature_registry")
    specs = registry_specs(registry, model_name="customer_features", use="clustering")
    assert {spec.name for spec in specs} == before | {"frequency_by_tenure"}
    assert [spec.role for spec in specs if spec.name == "frequency_by_tenure"] == ["numeric"]
    assert "frequency_by_tenure" not in {
        spec.name for spec in registry_specs(registry, model_name="customer_features", use="propensity")
    }

    # ... and the clustering model's fitted inputs include it: no Python changed
    scaler_params = run.frame("select source_feature from ml.segment_scaler_params")
    assert "frequency_by_tenure" in set(scaler_params["source_feature"])
