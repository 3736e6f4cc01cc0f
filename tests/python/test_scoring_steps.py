"""One test group per step of audience.scoring: sampling, select, search, calibrate, threshold, tables.

Each step is a function of plain arrays; these tests check it alone, with expected values computed
independently (by hand or by scikit-learn), not read from the output.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from audience.scoring import calibrate, search, select, tables, threshold
from audience.scoring.cv import cross_validate, decision_values
from audience.scoring.sampling import folds, labels, stratified_sample


def _data(n: int = 3000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    z = rng.normal(0.0, 1.0, (n, 6))
    eta = -1.0 + 1.5 * z[:, 0] - 1.0 * z[:, 1]  # columns 2..5 are noise
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-eta))).astype(np.int64)
    return z, y


# ------------------------------------------------------------------------------------------- sampling


def test_labels_accept_booleans_and_reject_nulls_and_other_values():
    assert labels(pd.DataFrame({"y": [True, False]}), "y").tolist() == [1, 0]
    with pytest.raises(ValueError, match="null"):
        labels(pd.DataFrame({"y": [1.0, None]}), "y")
    with pytest.raises(ValueError, match="0/1"):
        labels(pd.DataFrame({"y": [0, 2]}), "y")
    with pytest.raises(ValueError, match="not in"):
        labels(pd.DataFrame({"x": [0]}), "y")


def test_stratified_sample_keeps_class_shares_and_a_floor():
    y = np.array([1] * 100 + [0] * 9900)
    rows, rate_negative, rate_positive = stratified_sample(y, 1000, seed=1, floor=50)
    assert np.all(np.diff(rows) > 0)
    # the positives' share of 1,000 rows (10) is below the floor: 50 of them; the negatives keep 99%
    assert int(y[rows].sum()) == 50 and len(rows) == 50 + 990
    assert rate_positive == pytest.approx(0.5) and rate_negative == pytest.approx(990 / 9900)
    again, _, _ = stratified_sample(y, 1000, seed=1, floor=50)
    np.testing.assert_array_equal(rows, again)
    everything, a, b = stratified_sample(y, 20_000, seed=1, floor=50)
    assert len(everything) == len(y) and (a, b) == (1.0, 1.0)


def test_folds_are_stratified_and_shrink_for_a_small_class():
    y = np.array([1] * 30 + [0] * 70)
    split = folds(y, 5, seed=0)
    assert len(split) == 5
    assert all(y[test].sum() == 6 for _, test in split)
    assert len(folds(np.array([1, 1, 1, 0, 0, 0, 0]), 5, seed=0)) == 3
    with pytest.raises(ValueError, match="fewer than 2"):
        folds(np.array([1, 0, 0]), 5, seed=0)


# --------------------------------------------------------------------------------------------- select


def test_l1_selection_keeps_the_signal_by_the_one_standard_error_rule():
    z, y = _data()
    split = folds(y, 5, seed=0)
    chosen = select.select_l1(z, y, split, seed=0)
    assert chosen.kept[:2].all() and chosen.kept.sum() <= 4
    # the rule, recomputed: the smallest C within one standard error of the best mean CV AUC
    grid = [1.0 / (penalty * len(y)) for penalty in select.L1_PENALTY_GRID]
    results = [cross_validate(lambda _n, c=c: select.l1_logistic(c, 0), z, y, split) for c in grid]
    means = np.array([r.mean for r in results])
    best = int(np.argmax(means))
    bar = means[best] - results[best].std / np.sqrt(len(split))
    assert chosen.c == grid[int(np.flatnonzero(means >= bar)[0])]
    assert chosen.reasons()[0].startswith("nonzero L1 coefficient")


# --------------------------------------------------------------------------------------------- search


def test_configurations_are_drawn_from_the_space_seeded_and_rounded():
    drawn = search.sample_configurations(search.HGB, 6, seed=5)
    assert len(drawn) == 6 and drawn == search.sample_configurations(search.HGB, 6, seed=5)
    assert drawn != search.sample_configurations(search.HGB, 6, seed=6)
    for params in drawn:
        assert 0.03 <= params["learning_rate"] <= 0.3
        assert params["max_iter"] in (50, 100) and params["max_leaf_nodes"] in (7, 15, 31)
        assert float(f"{params['learning_rate']:.4g}") == params["learning_rate"]
        json.dumps(params)  # what the candidates table stores
    forest = search.make_estimator(
        search.RANDOM_FOREST, search.sample_configurations(search.RANDOM_FOREST, 1, 0)[0], 0, 500
    )
    assert forest.max_samples <= 500 and forest.n_jobs == 1


def test_families_must_include_the_sql_scorable_logistic_regression():
    assert search.validate_families(["hist_gradient_boosting", "logistic_regression"]) == (
        "logistic_regression",
        "hist_gradient_boosting",
    )
    with pytest.raises(ValueError, match="must include logistic_regression"):
        search.validate_families(["random_forest"])
    with pytest.raises(ValueError, match="unknown"):
        search.validate_families(["logistic_regression", "svm"])


def test_successive_halving_keeps_a_third_per_round_and_ends_on_the_shared_folds():
    z, y = _data(n=4000)
    split = folds(y, 3, seed=0)
    configurations = [{"C": c} for c in (1e-4, 1e-3, 1e-2, 0.1, 1.0, 10.0, 100.0)]
    tried, winner = search.successive_halving(
        search.LOGISTIC, configurations, z, y, split, seed=0, cv_folds=3
    )
    rounds = pd.Series([c.search_round for c in tried]).value_counts().sort_index()
    # 7 configurations: 7 -> 3 -> 1, three rounds; each row is a configuration's last round
    assert rounds.to_dict() == {0: 4, 1: 2, 2: 1}
    assert [c.rows for c in tried if c.search_round == 2] == [4000]
    assert {c.rows for c in tried if c.search_round == 0} == {
        max(int(np.ceil(4000 / 9)), search.MIN_ROUND_ROWS)
    }
    # the last round is a plain CV on the shared folds
    expected = cross_validate(
        lambda _n: search.make_estimator(search.LOGISTIC, winner.params, 0, 0), z, y, split
    )
    np.testing.assert_allclose(winner.cv.aucs, expected.aucs)
    assert winner.params["C"] >= 1e-2  # the strongest penalties lose


def test_search_chooses_the_best_family_winner_and_ties_go_to_logistic():
    z, y = _data(n=2000)
    split = folds(y, 3, seed=0)
    result = search.search_families(
        z,
        y,
        split,
        logistic_columns=np.arange(z.shape[1]),
        families=list(search.FAMILIES),
        iterations=3,
        seed=0,
        cv_folds=3,
    )
    assert set(result.winners) == set(search.FAMILIES)
    assert result.chosen == max(
        search.FAMILIES, key=lambda f: (result.winners[f].cv.mean, -search.FAMILIES.index(f))
    )
    assert result.chosen == search.LOGISTIC  # a linear truth


# ------------------------------------------------------------------------------------------ calibrate


def test_platt_scaling_matches_a_logistic_fit_on_smoothed_targets_and_folds_exactly():
    rng = np.random.default_rng(2)
    f = rng.normal(0.0, 2.0, 2000)
    y = (rng.random(2000) < 1.0 / (1.0 + np.exp(-(0.7 * f - 0.5)))).astype(int)
    platt = calibrate.fit_platt(f, y)
    assert platt.a == pytest.approx(0.7, abs=0.1) and platt.b == pytest.approx(-0.5, abs=0.15)
    # the fold: sigmoid(a * (w0 + w.z) + b) == sigmoid(folded intercept + folded w . z)
    w, w0 = np.array([0.5, -2.0]), 0.3
    z = rng.normal(0.0, 1.0, (10, 2))
    folded, intercept = calibrate.platt_fold(w, w0, platt.a, platt.b)
    np.testing.assert_allclose(platt.probability(w0 + z @ w), 1 / (1 + np.exp(-(intercept + z @ folded))))
    assert calibrate.prior_shift(0.1, 1.0) == pytest.approx(np.log(0.1))
    assert platt.shifted(1.0).b == platt.b + 1.0


def test_decision_values_of_a_forest_are_the_logit_of_its_probability():
    z, y = _data(n=500)
    forest = search.make_estimator(
        search.RANDOM_FOREST,
        {
            "n_estimators": 10,
            "max_depth": 3,
            "min_samples_leaf": 5,
            "max_features": "sqrt",
            "max_samples": 1000,
        },
        0,
        500,
    ).fit(z, y)
    p = np.clip(forest.predict_proba(z)[:, 1], 1e-6, 1 - 1e-6)
    np.testing.assert_allclose(decision_values(forest, z), np.log(p / (1 - p)))
    logistic = LogisticRegression().fit(z, y)
    np.testing.assert_allclose(decision_values(logistic, z), logistic.decision_function(z))


# ------------------------------------------------------------------------------------------ threshold


def test_evaluate_picks_the_most_profitable_threshold_and_reports_metrics_at_it():
    p = np.array([0.9, 0.8, 0.3, 0.2, 0.05, 0.05, 0.6, 0.1, 0.02, 0.01])
    y = np.array([1, 1, 0, 1, 0, 0, 1, 0, 0, 0])
    result = threshold.evaluate(p, y, threshold.Economics(value_per_conversion=10.0, cost_per_contact=2.5))
    # contacting p >= t pays while p > 0.25: the best threshold keeps 0.3, 0.6, 0.8, 0.9 (profit 3.5)
    assert result.threshold == pytest.approx(0.3)
    assert result.curve["expected_profit"].max() == pytest.approx((0.9 + 0.8 + 0.6 + 0.3) * 10 - 4 * 2.5)
    predicted = p >= 0.3
    precision = y[predicted].mean()
    recall = y[predicted].sum() / y.sum()
    assert result.metrics["precision"] == pytest.approx(precision)
    assert result.metrics["f1"] == pytest.approx(2 * precision * recall / (precision + recall))
    assert result.metrics["top_decile_lift"] == pytest.approx(1.0 / y.mean())  # the top row converts
    assert result.metrics["pr_auc"] > y.mean()
    assert roc_auc_score(y, p) > 0.9


# --------------------------------------------------------------------------------------------- tables


def test_tables_keep_their_schema_when_empty():
    for schema in (
        tables.METRICS_SCHEMA,
        tables.CANDIDATES_SCHEMA,
        tables.FEATURE_SELECTION_SCHEMA,
        tables.COEFFICIENTS_SCHEMA,
        tables.PROFIT_CURVE_SCHEMA,
    ):
        frame = tables.typed_frame(schema)
        assert frame.empty and frame.dtypes.astype(str).to_dict() == schema
    skipped = tables.skipped_result("m", "v", 10, 2, "why", "lead_id", "str")
    assert skipped.is_skipped and skipped.metrics["skip_reason"].tolist() == ["why"]
    assert skipped.metrics[[c for c, t in tables.METRICS_SCHEMA.items() if t == "float64"]].isna().all().all()
