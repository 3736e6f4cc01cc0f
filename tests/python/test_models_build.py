"""Segments and scores on a real `dbt build` of the S demo data, checked against the planted truth.

The ground truth (personas, true conversion probabilities) is read only here, never by a model.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess

import pandas as pd
import pytest
from conftest import DbtRun, dbt_command, run_dbt
from sklearn.metrics import adjusted_rand_score, roc_auc_score
from warehouse_checks import assert_no_nan_or_infinity

from audience.warehouse_diff import diff_warehouses

pytestmark = pytest.mark.dbt


def test_every_customer_with_features_has_exactly_one_segment(demo_s_build: DbtRun):
    counts = demo_s_build.query(
        """
        select
            (select count(*) from main.customer_features),
            (select count(*) from main.customer_segments),
            (select count(distinct customer_id) from main.customer_segments),
            (select count(*) from main.customer_segments where segment_name is null)
        """
    )[0]
    assert counts[0] > 1_500
    assert counts[0] == counts[1] == counts[2]
    assert counts[3] == 0


def test_chosen_k_is_the_planted_number_and_segments_recover_personas(demo_s, demo_s_build: DbtRun):
    truth = pd.read_parquet(demo_s.truth_dir / "customer_personas.parquet")
    segments = demo_s_build.frame("select customer_id, segment_id from main.customer_segments")
    chosen_k = demo_s_build.query(
        "select k from ml.segment_model_selection where algorithm = 'kmeans' and is_chosen"
    )
    assert chosen_k == [(truth["persona"].nunique(),)]
    merged = truth.merge(segments, on="customer_id", how="inner")
    assert len(merged) == len(truth)
    assert adjusted_rand_score(merged["persona"], merged["segment_id"]) >= 0.8


def test_sql_nearest_centroid_agrees_with_python(demo_s_build: DbtRun):
    disagreements = demo_s_build.query(
        """
        select count(*)
        from main.customer_segments_sql as in_sql
        inner join main.customer_segments as in_python
            on in_sql.customer_id = in_python.customer_id
        where in_sql.segment_id != in_python.segment_id
        """
    )
    assert disagreements == [(0,)]


def test_sql_logistic_probability_equals_python_within_1e_9(demo_s_build: DbtRun):
    differences = demo_s_build.frame(
        """
        select in_sql.model_name, count(*) as rows, max(abs(in_sql.logistic_probability - in_python.p)) as max_diff
        from main.logistic_scores_sql as in_sql
        inner join (
            select 'lead_conversion' as model_name, lead_id as scored_id, logistic_probability as p
            from main.lead_scores
            union all
            select 'purchase_propensity', customer_id, logistic_probability from main.customer_propensity_scores
        ) as in_python
            on in_sql.model_name = in_python.model_name and in_sql.scored_id = in_python.scored_id
        group by in_sql.model_name
        """
    ).set_index("model_name")
    assert (
        differences.loc["lead_conversion", "rows"]
        == demo_s_build.query("select count(*) from main.lead_scores")[0][0]
    )
    assert (
        differences.loc["purchase_propensity", "rows"]
        == demo_s_build.query("select count(*) from main.customer_propensity_scores")[0][0]
    )
    assert (differences["max_diff"] <= 1e-9).all(), differences


def test_lead_model_cv_auc_is_within_0_02_of_the_oracle(demo_s, demo_s_build: DbtRun):
    truth = pd.read_parquet(demo_s.truth_dir / "lead_truth.parquet")
    labels = demo_s_build.frame(
        "select lead_id, is_converted_within_horizon from main.lead_conversion_labels where is_labelled"
    )
    labelled = truth.merge(labels, on="lead_id")
    oracle_auc = roc_auc_score(
        labelled["is_converted_within_horizon"], labelled["true_conversion_probability"]
    )
    cv_auc = demo_s_build.query(
        "select cv_roc_auc_mean from main.model_metrics where model_name = 'lead_conversion'"
    )
    assert abs(cv_auc[0][0] - oracle_auc) <= 0.02, (cv_auc, oracle_auc)


# build metadata: the only columns allowed to change when nothing else did (documented in the README)
BUILD_METADATA_COLUMNS = ["built_at", "trained_at"]


def test_an_interrupted_build_then_a_rebuild_gives_identical_tables(demo_s, demo_s_build: DbtRun, tmp_path):
    """Issue 9: on a copy of the S build, a second `dbt build` is killed (SIGKILL) while it fits the first
    Python model, then a third runs to the end: every table and view of every schema (staging, DQ,
    identity, features, ml, marts, history, restricted) equals the first build's to the last bit of every
    double, build metadata excepted."""
    work = tmp_path / "rebuild"
    work.mkdir()
    shutil.copy(demo_s_build.warehouse, work / "warehouse.duckdb")
    command = dbt_command(["build"], raw_dir=demo_s.raw_dir, work_dir=work, full_fit=True)  # as demo_s_build
    command.prepare()
    with subprocess.Popen(
        command.args,
        env={**command.env, "PYTHONUNBUFFERED": "1"},
        cwd=command.cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    ) as proc:
        interrupted = False
        for line in proc.stdout:
            if "START python " in line:
                os.killpg(proc.pid, signal.SIGKILL)
                interrupted = True
                break
        proc.wait()
    assert interrupted, "the build ended before its first Python model: nothing was interrupted"

    rebuilt = run_dbt(["build"], raw_dir=demo_s.raw_dir, work_dir=work, full_fit=True)
    # the history tables' recorded_at is when a build wrote the row (consents and traits have a recorded_at
    # that is data: only the history schema's is metadata)
    recorded_at = [
        f"history.{table}.recorded_at"
        for (table,) in demo_s_build.query(
            "select table_name from information_schema.columns "
            "where table_schema = 'history' and column_name = 'recorded_at'"
        )
    ]
    assert recorded_at
    diff = diff_warehouses(
        demo_s_build.warehouse, rebuilt.warehouse, ignore_columns=[*BUILD_METADATA_COLUMNS, *recorded_at]
    )
    assert diff.is_equal, diff.report()
    assert len(diff.relations) > 100


def test_no_nan_or_infinity_in_any_table(demo_s_build: DbtRun):
    assert_no_nan_or_infinity(demo_s_build)


def test_no_reason_code_names_an_uninformative_feature(demo_s_build: DbtRun):
    named = demo_s_build.query(
        """
        select count(*)
        from (
            select unnest([reason_1, reason_2, reason_3]) as reason from main.customer_propensity_scores
            union all
            select unnest([reason_1, reason_2, reason_3]) from main.lead_scores
        ) as reasons
        inner join main.model_feature_exclusions as exclusions
            on reasons.reason = exclusions.feature_name
        """
    )
    assert named == [(0,)]
    # the demo's propensity features include a near-duplicate pair (frequency, repeat_frequency = frequency - 1)
    excluded = demo_s_build.query(
        "select feature_name, reason, related_feature from main.model_feature_exclusions "
        "where model_name = 'purchase_propensity'"
    )
    assert ("repeat_frequency", "near_duplicate", "frequency") in excluded


def test_every_segment_name_word_is_backed_by_its_feature(demo_s_build: DbtRun):
    words = demo_s_build.frame(
        """
        select tokens.segment_id, tokens.word, tokens.side, tokens.standardized_difference, profiles.segment_name
        from main.segment_name_tokens as tokens
        inner join main.segment_profiles as profiles on tokens.segment_id = profiles.segment_id
        where tokens.token_rank <= 2
        """
    )
    assert len(words) >= 6
    margin = demo_s_build.query("select max(min_difference) from main.segment_name_tokens")[0][0]
    for row in words.itertuples():
        assert row.word in row.segment_name
        sign = 1 if row.side == "high" else -1
        assert sign * row.standardized_difference >= margin, row


@pytest.fixture(scope="module")
def few_conversions_raw(demo_s, tmp_path_factory):
    """The S demo data with all but 10 lead conversions removed: too few positives to learn from."""
    raw = tmp_path_factory.mktemp("few_conversions")
    for path in demo_s.raw_dir.iterdir():
        shutil.copy(path, raw / path.name)
    leads = pd.read_parquet(raw / "leads.parquet")
    converted = leads.index[leads["converted_at"].notna()]
    leads.loc[converted[10:], "converted_at"] = None
    leads.to_parquet(raw / "leads.parquet", index=False)
    return raw


def test_guardrail_skips_a_model_with_too_few_positives_and_the_build_goes_on(dbt, few_conversions_raw):
    run = dbt(
        [
            "build",
            "--select",
            "+lead_scores",
            "+model_metrics",
            "+customer_propensity_scores",
            "--indirect-selection",
            "cautious",
        ],
        raw_dir=few_conversions_raw,
    )
    assert "WARNING [lead_conversion]" in run.output
    assert "scoring_min_class_count" in run.output
    assert run.query("select count(*) from main.lead_scores") == [(0,)]
    assert [c[0] for c in run.query("describe main.lead_scores")][:3] == [
        "lead_id",
        "probability",
        "logistic_probability",
    ]
    skipped = run.query(
        "select is_skipped, skip_reason is not null from main.model_metrics where model_name = 'lead_conversion'"
    )
    assert skipped == [(True, True)]
    assert run.query("select count(*) from main.customer_propensity_scores")[0][0] > 0


def test_strict_guardrail_fails_the_build(dbt, few_conversions_raw):
    run = dbt(
        ["build", "--select", "+lead_score_predictions", "--exclude-resource-type", "test", "unit_test"],
        raw_dir=few_conversions_raw,
        dbt_vars={"scoring_strict": True},
        check=False,
    )
    assert run.returncode != 0
    assert "lead_conversion" in run.output
    assert "scoring_min_class_count" in run.output
