"""Behaviour and B2B features on the S demo data, against independent computations.

One dbt build (models and seeds only: the dbt tests run in `dbt build` itself) of the behaviour, engagement
and B2B models; then sessions, customer web features and thresholds are recomputed in pandas / numpy from
the identified events, and the lead features and labels are compared with the generator's ground truth.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import PROJECT_DIR, DbtRun, DemoData, run_dbt

pytestmark = pytest.mark.dbt

SESSION_TIMEOUT = pd.Timedelta(minutes=30)
MODELS = [
    "+int_web_sessions_built",
    "+int_customer_web_activity_aggregated",
    "+int_customer_email_activity_aggregated",
    "+customer_engagement_flags",
    "+lead_features",
    "+lead_conversion_labels",
    "+account_firmographics",
]


@pytest.fixture(scope="module")
def build(demo_s: DemoData, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DbtRun]:
    run = run_dbt(
        ["build", "--select", *MODELS, "--exclude-resource-type", "test", "unit_test"],
        raw_dir=demo_s.raw_dir,
        work_dir=tmp_path_factory.mktemp("behaviour_build"),
    )
    yield run


@pytest.fixture(scope="module")
def snapshots(build: DbtRun) -> dict[str, pd.Timestamp]:
    frame = build.frame("select snapshot_name, as_of_at from intermediate.int_snapshot_dates")
    return {row.snapshot_name: pd.Timestamp(row.as_of_at) for row in frame.itertuples()}


def sessionize(events: pd.DataFrame, as_of_at: pd.Timestamp) -> pd.DataFrame:
    """Sessions of the events before `as_of_at`: a gap over 30 minutes per visitor starts a new one."""
    events = events[events["occurred_at"] < as_of_at].copy()
    visitor = (
        ("anonymous:" + events["anonymous_id"])
        .fillna("customer:" + events["customer_id"])
        .fillna("lead:" + events["lead_id"])
    )
    events["visitor"] = visitor
    events = events[events["visitor"].notna()].sort_values(["visitor", "occurred_at", "event_id"])
    gap = events.groupby("visitor")["occurred_at"].diff()
    events["session_number"] = (
        (gap.isna() | (gap > SESSION_TIMEOUT)).astype(int).groupby(events["visitor"]).cumsum()
    )
    events["session_id"] = events["visitor"] + "#" + events["session_number"].astype(str)
    # first identified event wins: groupby.first skips nulls and keeps the (sorted) event order
    sessions = events.groupby("session_id", sort=True).agg(
        customer_id=("customer_id", "first"),
        lead_id=("lead_id", "first"),
        events=("event_id", "size"),
        session_started_at=("occurred_at", "min"),
        session_ended_at=("occurred_at", "max"),
    )
    return sessions.reset_index()


@pytest.fixture(scope="module")
def identified_events(build: DbtRun) -> pd.DataFrame:
    frame = build.frame(
        "select event_id, anonymous_id, customer_id, lead_id, occurred_at, device_type "
        "from intermediate.int_web_events_identified"
    )
    return frame.astype(
        {"event_id": "string", "anonymous_id": "string", "customer_id": "string", "lead_id": "string"}
    )


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Object columns with None for every missing value, so frames from DuckDB and pandas compare."""
    frame = frame.reset_index(drop=True).astype(object)
    return frame.where(frame.notna(), None)


@pytest.mark.parametrize("snapshot_name", ["current", "training"])
def test_sessions_match_an_independent_pandas_sessionization(
    build: DbtRun, identified_events: pd.DataFrame, snapshots: dict, snapshot_name: str
) -> None:
    expected = sessionize(identified_events, snapshots[snapshot_name])
    actual = build.frame(
        "select session_id, customer_id, lead_id, events, session_started_at, session_ended_at "
        f"from intermediate.int_web_sessions_built where snapshot_name = '{snapshot_name}' order by session_id"
    )
    assert len(expected) > 1000
    pd.testing.assert_frame_equal(plain(actual), plain(expected[actual.columns]), check_dtype=False)


def test_training_sessions_see_nothing_after_the_training_cut(build: DbtRun, snapshots: dict) -> None:
    [(latest_end, sessions)] = build.query(
        "select max(session_ended_at), count(*) from intermediate.int_web_sessions_built "
        "where snapshot_name = 'training'"
    )
    assert sessions > 0
    assert pd.Timestamp(latest_end) < snapshots["training"]


def test_customer_web_features_match_pandas(
    build: DbtRun, identified_events: pd.DataFrame, snapshots: dict
) -> None:
    as_of_at = snapshots["current"]
    sessions = sessionize(identified_events, as_of_at)
    sessions = sessions[sessions["customer_id"].notna()]
    age = as_of_at - sessions["session_started_at"]

    def in_window(days: int, offset: int = 0) -> pd.Series:
        return (age <= pd.Timedelta(days=days + offset)) & (age > pd.Timedelta(days=offset))

    grouped = sessions.assign(
        s7=in_window(7), s30=in_window(30), s90=in_window(90), prior=in_window(30, 30)
    ).groupby("customer_id")
    expected = pd.DataFrame(
        {
            "sessions_7d": grouped["s7"].sum(),
            "sessions_30d": grouped["s30"].sum(),
            "sessions_90d": grouped["s90"].sum(),
            "prior": grouped["prior"].sum(),
            "last_day": grouped["session_ended_at"].max().dt.normalize(),
        }
    )
    total = expected["sessions_30d"] + expected["prior"]
    expected["engagement_trend"] = (
        (expected["sessions_30d"] - expected["prior"]) / total.where(total > 0)
    ).fillna(0.0)
    expected["days_since_last_activity"] = (as_of_at.normalize() - expected["last_day"]).dt.days
    actual = build.frame(
        "select customer_id, sessions_7d, sessions_30d, sessions_90d, engagement_trend, days_since_last_activity "
        "from intermediate.int_customer_web_activity_aggregated where snapshot_name = 'current'"
    ).set_index("customer_id")
    expected = expected.loc[actual.index]
    assert len(actual) == len(expected) == sessions["customer_id"].nunique()
    for column in ["sessions_7d", "sessions_30d", "sessions_90d", "days_since_last_activity"]:
        assert (actual[column].to_numpy() == expected[column].to_numpy()).all(), column
    np.testing.assert_allclose(actual["engagement_trend"], expected["engagement_trend"], atol=1e-12)
    assert actual["sessions_30d"].sum() > 0


def test_current_thresholds_are_the_percentiles_of_active_customers_sessions_30d(build: DbtRun) -> None:
    sessions_30d = build.frame(
        "select sessions_30d from intermediate.int_customer_web_activity_aggregated "
        "where snapshot_name = 'current' and sessions_30d > 0"
    )["sessions_30d"].to_numpy()
    [(active, p50, p80, p95)] = build.query(
        "select active_customers, sessions_30d_p50, sessions_30d_p80, sessions_30d_p95 "
        "from main.engagement_thresholds where is_current"
    )
    assert active == len(sessions_30d) > 0
    np.testing.assert_allclose([p50, p80, p95], np.percentile(sessions_30d, [50, 80, 95]), atol=1e-6)
    [(rows, flagged, expected_flagged)] = build.query(
        f"select count(*), count_if(is_highly_engaged), count_if(sessions_30d >= {p80}) "
        "from main.customer_engagement_flags"
    )
    assert flagged == expected_flagged > 0
    assert rows >= active


def test_thresholds_of_an_earlier_day_match_numpy(
    build: DbtRun, identified_events: pd.DataFrame, snapshots: dict
) -> None:
    sessions = sessionize(identified_events, snapshots["current"])
    sessions = sessions[sessions["customer_id"].notna()]
    day = snapshots["current"].normalize() - pd.Timedelta(days=45)
    started = sessions["session_started_at"].dt.normalize()
    in_window = sessions[(started <= day) & (started > day - pd.Timedelta(days=30))]
    counts = in_window.groupby("customer_id").size().to_numpy()
    [(active, p50, p80, p95)] = build.query(
        "select active_customers, sessions_30d_p50, sessions_30d_p80, sessions_30d_p95 "
        f"from main.engagement_thresholds where activity_date = '{day.date()}'"
    )
    assert active == len(counts) > 0
    np.testing.assert_allclose([p50, p80, p95], np.percentile(counts, [50, 80, 95]), atol=1e-6)


def test_lead_features_and_labels_agree_with_the_generator_truth(build: DbtRun, demo_s: DemoData) -> None:
    truth = pd.read_parquet(Path(demo_s.truth_dir) / "lead_truth.parquet")
    features = build.frame(
        "select lead_id, seniority, sector, sessions_in_window, email_clicks_in_window from main.lead_features"
    )
    labels = build.frame(
        "select lead_id, is_labelled, is_converted_within_horizon from main.lead_conversion_labels"
    )
    merged = (
        truth.astype({"lead_id": object})
        .merge(features.astype({"lead_id": object}), on="lead_id")
        .merge(labels.astype({"lead_id": object}), on="lead_id")
    )
    assert len(merged) == len(features) == len(truth)
    # the seeds classify every title and industry the generator writes as its own rules do (junior = entry)
    assert (merged["seniority_x"].astype(str).replace({"junior": "entry"}) == merged["seniority_y"]).all()
    assert (merged["sector_x"].astype(str) == merged["sector_y"]).all()
    # the generator's activity window is ours: only quarantined events and clicks of in-window sends that
    # land after the window may differ
    assert (merged["web_sessions"] == merged["sessions_in_window"]).mean() > 0.99
    assert (merged["email_clicks"] >= merged["email_clicks_in_window"]).all()
    assert (merged["is_labelled"] == merged["label_observable"]).all()
    labelled = merged[merged["is_labelled"]]
    assert (labelled["is_converted_within_horizon"] == labelled["converted_within_90d"]).all()
    assert merged.loc[~merged["is_labelled"], "is_converted_within_horizon"].isna().all()


def test_band_seeds_are_contiguous() -> None:
    for name in ["employee_size_bands", "revenue_bands"]:
        bands = pd.read_csv(PROJECT_DIR / "seeds" / "b2b" / f"{name}.csv").sort_values("band_rank")
        assert bands["lower_bound"].iloc[0] == 0, name
        assert (
            bands["upper_bound"].iloc[:-1].to_numpy() == bands["lower_bound"].iloc[1:].to_numpy()
        ).all(), name
        assert pd.isna(bands["upper_bound"].iloc[-1]), name
