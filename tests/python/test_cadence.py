"""The retraining cadence: unit tests of the decision and the store, and one sequence of real builds.

The sequence builds the S demo data at D - 40 (no stored model: trains), D - 20 (20 days, within the
default cadence of 30: reuses), D (40 days: due, retrains) and D again with ``force_retrain``. The
reused build is checked against the stored fit and against the SQL scorers (``customer_segments_sql``,
``logistic_scores_sql``), which read only the model tables, and against a numpy nearest-centroid
assignment computed here from ``customer_features`` and the first build's model tables.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import DbtRun, DemoData, run_dbt
from project_settings import segmentation_settings
from test_clustering import make_customers

from audience.cadence import (
    MODEL_RUN_SCHEMA,
    REUSED,
    TRAINED,
    CadenceSettings,
    ModelStore,
    StoredModel,
    StoreKey,
    decide,
)
from audience.clustering import apply_segmentation, fit_segments
from audience.preprocessing import Preprocessor

D = date(2026, 7, 1)
DATES = {"first": D - timedelta(days=40), "within": D - timedelta(days=20), "due": D, "forced": D}
MODELS = ["customer_segmentation", "lead_conversion", "purchase_propensity"]
EVERY = CadenceSettings(retrain_every_days=30, force_retrain=False)


# ---------------------------------------------------------------- the decision (no build)


def stored(
    trained: date, inputs_key: str = "inputs", data_key: str = "data", fit: object = "fit"
) -> StoredModel:
    return StoredModel("m", "v1", trained, inputs_key, data_key, "due: ...", fit=fit)


@pytest.mark.parametrize(
    ("model", "as_of", "settings", "action", "reason"),
    [
        (None, D, EVERY, TRAINED, "no stored model"),
        (stored(D - timedelta(days=29)), D, EVERY, REUSED, "within cadence: the stored model is 29 days old"),
        (stored(D - timedelta(days=30)), D, EVERY, TRAINED, "due: the stored model is 30 days old"),
        (stored(D - timedelta(days=1)), D, CadenceSettings(30, True), TRAINED, "forced"),
        (stored(D - timedelta(days=1), inputs_key="other"), D, EVERY, TRAINED, "inputs changed"),
        (stored(D), D, EVERY, TRAINED, "due: ..."),  # a rebuild of the training date on the same data: replay
        (stored(D, data_key="other"), D, EVERY, REUSED, "within cadence: the stored model is 0 days old"),
        (stored(D - timedelta(days=5)), D, CadenceSettings(0, False), TRAINED, "due"),
        (stored(D - timedelta(days=5), fit=None), D, EVERY, TRAINED, "unreadable"),
    ],
)
def test_decide(model, as_of, settings, action, reason):
    decision = decide(model, as_of, "inputs", "data", settings)
    assert decision.action == action
    assert decision.reason.startswith(reason)


def test_negative_cadence_is_an_error():
    with pytest.raises(ValueError, match="retrain_every_days"):
        CadenceSettings(-1, False)


def test_store_keeps_one_fit_per_date_and_returns_the_latest_on_or_before(tmp_path: Path):
    session = duckdb.connect(str(tmp_path / "store.duckdb"))
    store = ModelStore(session, "ml")
    assert store.latest("m", D) is None
    for days, version in ((40, "a"), (20, "b"), (20, "c")):
        trained = decide(None, D - timedelta(days=days), "i", "d", EVERY)
        store.save("m", D - timedelta(days=days), trained, StoreKey(version, "i", "d"), {"fit": version})
    assert session.execute("select count(*) from ml.model_store").fetchall() == [(2,)]
    assert store.latest("m", D).fit == {"fit": "c"}
    assert store.latest("m", D - timedelta(days=30)).model_version == "a"
    assert store.latest("m", D - timedelta(days=41)) is None
    assert store.latest("other", D) is None
    assert store.latest_head("m", D) == ("c", D - timedelta(days=20))
    session.execute("update ml.model_store set fit = 'not a pickle'::blob")
    assert store.latest("m", D).fit is None  # read as unreadable: the build retrains


def test_a_stored_segmentation_applied_to_the_training_rows_gives_the_fit_assignments():
    frame, _, features = make_customers(4, seed=3, n=600)
    settings = segmentation_settings(k_max=6)
    fitted = fit_segments(
        frame, features, id_column="customer_id", settings=settings, previous_centroids=None
    )
    applied = apply_segmentation(fitted, frame, id_column="customer_id", settings=settings)
    pd.testing.assert_frame_equal(applied.assignments, fitted.assignments, check_exact=True)
    pd.testing.assert_frame_equal(applied.embedding_2d, fitted.embedding_2d, check_exact=True)
    pd.testing.assert_frame_equal(applied.centroids, fitted.centroids)
    by_algorithm = applied.assignments_by_algorithm
    assert by_algorithm["kmeans"].tolist() == fitted.assignments["segment_id"].tolist()
    assert by_algorithm[["gmm", "hdbscan", "agglomerative"]].isna().all().all()


# ---------------------------------------------------------------- the build sequence


@dataclass
class Builds:
    """A copy of the warehouse after each build of the sequence."""

    warehouses: dict[str, DbtRun]
    within_build: DbtRun  # the reusing build ran as `dbt build` (its tests included)


@pytest.fixture(scope="module")
def builds(demo_s: DemoData, tmp_path_factory: pytest.TempPathFactory) -> Builds:
    work = tmp_path_factory.mktemp("cadence_sequence")
    run_dbt(["seed"], raw_dir=demo_s.raw_dir, work_dir=work)
    warehouses, within_build = {}, None
    for step, as_of in DATES.items():
        command = {
            "within": ["build", "--exclude", "resource_type:seed"],  # with every test of the reused outputs
            "forced": ["run", "--select", "path:python_models", "model_runs"],  # D again: only the models
        }.get(step, ["run"])
        dbt_vars = {"as_of_date": str(as_of), "force_retrain": step == "forced"}
        run = run_dbt(command, raw_dir=demo_s.raw_dir, work_dir=work, dbt_vars=dbt_vars, check=False)
        assert run.returncode == 0 or step == "within", run.output[-4000:]
        copy = tmp_path_factory.mktemp(f"cadence_{step}") / "warehouse.duckdb"
        shutil.copy(work / "warehouse.duckdb", copy)
        warehouses[step] = DbtRun(run.returncode, run.output, copy)
        within_build = warehouses[step] if step == "within" else within_build
    return Builds(warehouses, within_build)


def runs(builds: Builds, step: str) -> pd.DataFrame:
    return builds.warehouses[step].frame(
        f"select * from history.model_runs where as_of_date = '{DATES[step]}' order by model_name"
    )


def test_the_reusing_build_passes_its_tests(builds: Builds):
    assert builds.within_build.returncode == 0, builds.within_build.output[-6000:]


def test_model_runs_record_trained_reused_due_and_forced(builds: Builds):
    expected = {
        "first": ("trained", "no stored model"),
        "within": ("reused", "within cadence: the stored model is 20 days old, retrain_every_days is 30"),
        "due": ("trained", "due: the stored model is 40 days old, retrain_every_days is 30"),
        "forced": ("trained", "forced: var force_retrain is true"),
    }
    for step, (action, reason) in expected.items():
        frame = runs(builds, step)
        assert frame["model_name"].tolist() == MODELS, step
        assert (frame["action"] == action).all(), (step, frame[["model_name", "action", "reason"]])
        assert frame["reason"].str.startswith(reason).all(), (step, frame["reason"].tolist())
        assert frame["is_forced"].tolist() == [step == "forced"] * 3
    within = runs(builds, "within")
    assert (within["trained_as_of_date"] == pd.Timestamp(DATES["first"])).all()
    assert (within["model_age_days"] == 20).all()
    history = builds.warehouses["forced"].frame(
        "select as_of_date, count(*) as n from history.model_runs group by 1"
    )
    assert sorted(history["n"]) == [3, 3, 3]  # D was rebuilt (forced): its rows replaced, not duplicated


def test_a_reused_model_keeps_its_version_and_its_tables(builds: Builds):
    first, within, due = (builds.warehouses[s] for s in ("first", "within", "due"))
    assert runs(builds, "within")["model_version"].tolist() == runs(builds, "first")["model_version"].tolist()
    assert set(runs(builds, "due")["model_version"]).isdisjoint(runs(builds, "first")["model_version"])
    for table in [
        "ml.segment_centroids",
        "ml.segment_scaler_params",
        "ml.segment_model_selection",
        "ml.scoring_model_coefficients",
        "ml.scoring_model_candidates",
        "ml.scoring_model_metrics",
    ]:
        sql = f"select * from {table} order by all"
        pd.testing.assert_frame_equal(first.frame(sql), within.frame(sql), check_exact=True, obj=table)
    # the population changed: the reused model assigned and scored this build's rows
    assert (
        within.query("select count(*) from main.customer_features")[0][0]
        > first.query("select count(*) from main.customer_features")[0][0]
    )
    versions = within.frame("select distinct model_version from main.customer_segments")
    assert versions["model_version"].tolist() == [runs(builds, "first")["model_version"].iloc[0]]
    assert due.query("select count(distinct model_version) from main.lead_scores")[0][0] == 1


def test_reused_segments_are_the_sql_scorers_and_numpy_nearest_centroid_with_the_old_model(builds: Builds):
    first, within = builds.warehouses["first"], builds.warehouses["within"]
    python = within.frame("select customer_id, segment_id, distance_to_centroid from main.customer_segments")
    sql = within.frame("select customer_id, segment_id, distance_to_centroid from main.customer_segments_sql")
    merged = python.merge(sql, on="customer_id", suffixes=("", "_sql"), validate="1:1")
    assert len(merged) == len(python) == len(sql)
    assert (merged["segment_id"] == merged["segment_id_sql"]).all()
    assert np.allclose(merged["distance_to_centroid"], merged["distance_to_centroid_sql"], atol=1e-9)
    # independently: the first build's model tables applied with numpy to this build's features
    expected = numpy_segments(first, within)
    assert (python.set_index("customer_id")["segment_id"].loc[expected.index] == expected).all()


def numpy_segments(model: DbtRun, features: DbtRun) -> pd.Series:
    """Nearest centroid (numpy, brute force) of every customer of ``features``' customer_features under the
    model tables of ``model``, by customer id."""
    params = model.frame("select * from ml.segment_scaler_params")
    centroids = model.frame("select * from ml.segment_centroids order by segment_id, position")
    preprocessor = Preprocessor.from_params(params)
    categorical = set(params.loc[params["transform"] == "one_hot", "source_feature"])
    columns = [
        f'cast("{name}" as {"varchar" if name in categorical else "double"}) as "{name}"'
        for name in preprocessor.source_features
    ]
    frame = features.frame(
        f"select customer_id, {', '.join(columns)} from main.customer_features order by customer_id"
    )
    x = preprocessor.transform(frame)
    ids = centroids["segment_id"].drop_duplicates().to_numpy()
    centers = centroids["scaled_value"].to_numpy().reshape(len(ids), -1)
    distances = np.sqrt(((x[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2))
    return pd.Series(ids[distances.argmin(axis=1)], index=frame["customer_id"])


def test_reused_scores_are_the_sql_logistic_scorer_and_the_stored_model(builds: Builds):
    within = builds.warehouses["within"]
    compared = within.frame(
        """
        select scores.model_name, scores.logistic_probability, sql.logistic_probability as sql_probability
        from (
            select 'lead_conversion' as model_name, lead_id as scored_id, logistic_probability from ml.lead_score_predictions
            union all
            select 'purchase_propensity', customer_id, logistic_probability from ml.propensity_score_predictions
        ) as scores
        inner join main.logistic_scores_sql as sql
            on scores.model_name = sql.model_name and scores.scored_id = sql.scored_id
        """
    )
    assert set(compared["model_name"]) == {"lead_conversion", "purchase_propensity"}
    assert np.allclose(compared["logistic_probability"], compared["sql_probability"], atol=1e-9)
    leads = within.query("select count(*), count(distinct model_version) from ml.lead_score_predictions")[0]
    assert leads[1] == 1 and leads[0] == within.query("select count(*) from main.lead_features")[0][0]


def test_an_unchanged_customer_keeps_its_segment_between_retrains(builds: Builds):
    """A reused model assigns by the customer's features alone: the D - 40 features under the model the
    D - 20 build used give exactly the D - 40 segments. (On the demo data no customer's clustering features
    are unchanged after 20 days: the day counts move with the calendar.)"""
    first, within = builds.warehouses["first"], builds.warehouses["within"]
    expected = numpy_segments(within, first)
    segments = first.frame("select customer_id, segment_id from main.customer_segments")
    assert len(segments) == len(expected)
    assert (segments.set_index("customer_id")["segment_id"].loc[expected.index] == expected).all()


# ---------------------------------------------------------------- the wrappers (no build)

PYTHON_MODELS = Path(__file__).resolve().parents[2] / "python_models"


@pytest.mark.parametrize(
    ("folder", "pattern", "excluded"),
    [
        ("segments", r'fit\.table\("(\w+)"\)', set()),
        ("scoring", r'both_scoring_tables\(lead, propensity, "(\w+)"\)', set()),
    ],
)
def test_every_wrapper_differs_from_its_siblings_only_in_its_output_name(folder, pattern, excluded):
    texts = {}
    for path in sorted((PYTHON_MODELS / folder).glob("*.py")):
        text = path.read_text().split('"""', 2)[-1]  # the docstring may say more than the output name
        found = re.findall(pattern, text)
        if not found:
            continue
        assert len(found) == 1, path
        texts[path.stem] = re.sub(rf"\b{found[0]}\b", "<output>", text.replace(path.stem, "<model>"))
    assert len(texts) >= 7
    assert len(set(texts.values())) == 1, sorted(texts)


def test_model_run_yaml_columns_match_the_python_schema():
    import yaml

    for folder, model in (("segments", "segment_model_run"), ("scoring", "scoring_model_runs")):
        spec = yaml.safe_load((PYTHON_MODELS / folder / f"_{folder}__models.yml").read_text())
        (entry,) = [m for m in spec["models"] if m["name"] == model]
        assert [c["name"] for c in entry["columns"]] == list(MODEL_RUN_SCHEMA), model
