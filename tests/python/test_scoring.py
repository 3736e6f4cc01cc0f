"""Tests of the supervised scoring (``audience.scoring``) on data with a known logistic ground truth."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from project_settings import scoring_settings
from sklearn.metrics import roc_auc_score

from audience import scoring
from audience.features import FeatureSpec
from audience.scoring import Economics, ScoringResult, fit_and_score
from audience.scoring.tables import coefficient_positions
from audience.scoring.threshold import choose_threshold_index, profit_curve_arrays
from audience.screening import EXCLUSIONS_SCHEMA

INFORMATIVE = ["tenure", "engagement", "visits", "spend"]
NOISE = ["noise_1", "noise_2", "noise_3", "noise_4"]
FEATURES = [FeatureSpec(n, "numeric") for n in INFORMATIVE + NOISE] + [FeatureSpec("channel", "categorical")]
CHANNEL_EFFECT = {"web": 0.0, "email": 0.8, "event": 1.5, "referral": -0.7}
ECONOMICS = Economics(value_per_conversion=500.0, cost_per_contact=40.0)
TABLES = [
    "scores",
    "metrics",
    "candidates",
    "feature_selection",
    "coefficients",
    "profit_curve",
    "exclusions",
]


def make_leads(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Leads with a known logistic truth; returns the frame (label ``converted``) and true probabilities.

    Rows come shuffled (ids are not in order); ``engagement`` (informatively) and ``channel`` have
    nulls, ``spend`` is log-normal (so the preprocessing log-transforms it).
    """
    rng = np.random.default_rng(seed)
    tenure = rng.normal(0.0, 1.0, n)
    engagement = rng.normal(5.0, 2.0, n)
    visits = rng.normal(10.0, 3.0, n)
    spend = np.exp(rng.normal(3.0, 1.0, n))
    channel = rng.choice(list(CHANNEL_EFFECT), size=n, p=[0.4, 0.3, 0.2, 0.1])
    engagement_missing = rng.random(n) < 0.15  # informative: leads that hide it convert more
    eta = (
        -2.0
        + 1.0 * engagement_missing
        + 1.0 * tenure
        - 0.5 * (engagement - 5.0)
        + 0.25 * (visits - 10.0)
        + 0.7 * (np.log1p(spend) - 3.0)
        + np.vectorize(CHANNEL_EFFECT.get)(channel)
    )
    p = 1.0 / (1.0 + np.exp(-eta))
    y = (rng.random(n) < p).astype(np.int64)
    frame = pd.DataFrame(
        {
            "lead_id": [f"L{i:06d}" for i in rng.permutation(n)],
            "tenure": tenure,
            "engagement": np.where(engagement_missing, np.nan, engagement),
            "visits": visits,
            "spend": spend,
            **{name: rng.normal(0.0, 1.0, n) for name in NOISE},
            "channel": pd.Series(np.where(rng.random(n) < 0.05, None, channel), dtype="str"),
            "converted": y,
        }
    )
    return frame, p


def run(
    train: pd.DataFrame, to_score: pd.DataFrame, features: list[FeatureSpec] = FEATURES, **settings: object
) -> ScoringResult:
    """fit_and_score with the project's default settings (dbt_project.yml), ``settings`` overriding some."""
    return fit_and_score(
        train,
        "converted",
        to_score,
        features,
        id_column="lead_id",
        model_name="lead_conversion",
        model_version="test-1",
        economics=ECONOMICS,
        settings=scoring_settings(**settings),
    )


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    train, p_true = make_leads(5000, seed=7)
    to_score, _ = make_leads(2000, seed=8)
    to_score = to_score.drop(columns="converted")
    # unseen category and nulls everywhere in a few scored rows
    to_score.loc[0, "channel"] = "trade_show"
    to_score.loc[1, ["tenure", "engagement", "visits", "spend", "channel"]] = [
        np.nan,
        np.nan,
        np.nan,
        np.nan,
        None,
    ]
    to_score.loc[2, "spend"] = -5.0
    return train, p_true, to_score


@pytest.fixture(scope="module")
def result(data: tuple[pd.DataFrame, np.ndarray, pd.DataFrame]) -> ScoringResult:
    train, _, to_score = data
    return run(train, to_score)


# ------------------------------------------------------------------------------------- model quality


def test_cv_auc_close_to_oracle(
    data: tuple[pd.DataFrame, np.ndarray, pd.DataFrame], result: ScoringResult
) -> None:
    train, p_true, _ = data
    oracle = roc_auc_score(train["converted"], p_true)
    metrics = result.metrics.iloc[0]
    assert not metrics["is_skipped"]
    assert abs(metrics["cv_roc_auc_mean"] - oracle) < 0.05, (metrics["cv_roc_auc_mean"], oracle)
    assert metrics["rows"] == 5000 and metrics["positives"] == int(train["converted"].sum())
    for column in ["pr_auc", "brier_score", "log_loss", "f1", "precision", "recall", "top_decile_lift"]:
        assert np.isfinite(metrics[column]), column
    assert metrics["top_decile_lift"] > 1.5
    candidates = result.candidates
    assert candidates["is_chosen"].sum() == 1
    winners = candidates[candidates["is_family_best"]]
    assert sorted(winners["estimator"]) == sorted(scoring.FAMILIES)
    assert (winners["search_rows"] == 5000).all()  # the whole fit sample, the shared folds
    chosen = candidates.loc[candidates["is_chosen"]].iloc[0]
    assert chosen["is_family_best"] and chosen["cv_roc_auc_mean"] == winners["cv_roc_auc_mean"].max()
    assert chosen["estimator"] == metrics["chosen_estimator"]
    assert chosen["cv_roc_auc_mean"] == metrics["cv_roc_auc_mean"]
    logistic = winners.loc[winners["estimator"] == "logistic_regression", "cv_roc_auc_mean"].iloc[0]
    assert metrics["logistic_cv_roc_auc_mean"] == logistic
    # the truth is logistic: the SQL-scorable model is as good as the best
    assert metrics["cv_roc_auc_mean"] - logistic < 0.01


def test_l1_drops_noise_and_keeps_signal(result: ScoringResult) -> None:
    selection = result.feature_selection
    kept_sources = set(selection.loc[selection["is_kept"], "source_feature"])
    assert set(INFORMATIVE) <= kept_sources
    assert len(kept_sources & set(NOISE)) <= 1, kept_sources
    assert (selection["is_kept"] == (selection["l1_coefficient"] != 0)).all()
    assert selection["reason"].str.contains("L1").all()
    assert set(result.coefficients["output_feature"]) == set(
        selection.loc[selection["is_kept"], "output_feature"]
    )


def test_calibration_matches_base_rate(
    data: tuple[pd.DataFrame, np.ndarray, pd.DataFrame], result: ScoringResult
) -> None:
    # the scored population is drawn like the training one: mean calibrated probability ~ base rate
    train, _, _ = data
    res = result
    assert abs(res.scores["probability"].mean() - train["converted"].mean()) < 0.02
    assert abs(res.scores["logistic_probability"].mean() - train["converted"].mean()) < 0.02


# -------------------------------------------------------------------------------- SQL reproduction


def _sql_like_terms(coefficients: pd.DataFrame, frame: pd.DataFrame) -> np.ndarray:
    """What the SQL model computes per coefficients row: ``coefficient * z``, with ``z`` recomputed from
    the params columns (not by ``Preprocessor.transform``). Shape ``(len(frame), len(coefficients))``."""
    terms = np.zeros((len(frame), len(coefficients)), dtype=np.float64)
    for j, row in enumerate(coefficients.itertuples(index=False)):
        raw = frame[row.source_feature]
        if row.transform in ("identity", "log1p"):
            v = pd.to_numeric(raw).astype("float64").to_numpy(na_value=np.nan)
            v = np.where(np.isnan(v), row.impute_value, v)
            t = v if row.transform == "identity" else np.log1p(np.maximum(v, 0.0))
        elif row.transform == "missing_indicator":
            t = raw.isna().to_numpy().astype(np.float64)
        elif row.transform == "one_hot":
            siblings = coefficients[
                (coefficients["source_feature"] == row.source_feature)
                & (coefficients["transform"] == "one_hot")
            ]
            known = [c for c in siblings["category"] if c != "__other__"]
            s = np.array([str(v) if pd.notna(v) else "__missing__" for v in raw], dtype=object)
            if row.category == "__other__":
                t = (~np.isin(s, known)).astype(np.float64)
            else:
                t = (s == row.category).astype(np.float64)
        else:  # pragma: no cover - a new transform needs a branch here and in SQL
            raise AssertionError(row.transform)
        terms[:, j] = row.coefficient * ((t - row.center) / row.scale)
    return terms


def _sql_like_probability(coefficients: pd.DataFrame, frame: pd.DataFrame) -> np.ndarray:
    eta = coefficients["intercept"].iloc[0] + _sql_like_terms(coefficients, frame).sum(axis=1)
    return 1.0 / (1.0 + np.exp(-eta))


def test_sql_reimplementation_matches_logistic_probability(
    data: tuple[pd.DataFrame, np.ndarray, pd.DataFrame], result: ScoringResult
) -> None:
    _, _, to_score = data
    coefficients = result.coefficients
    assert (coefficients["intercept"] == coefficients["intercept"].iloc[0]).all()
    assert coefficients["position"].is_monotonic_increasing
    assert set(coefficients["transform"]) >= {"identity", "log1p", "missing_indicator", "one_hot"}
    scored = to_score.sort_values("lead_id").reset_index(drop=True)
    expected = _sql_like_probability(coefficients, scored)
    assert result.scores["lead_id"].tolist() == scored["lead_id"].tolist()
    np.testing.assert_allclose(result.scores["logistic_probability"], expected, rtol=0, atol=1e-9)


def test_other_category_siblings_listed_with_zero_coefficient() -> None:
    params = pd.DataFrame(
        {
            "source_feature": ["x", "c", "c", "c", "d", "d"],
            "transform": ["identity", "one_hot", "one_hot", "one_hot", "one_hot", "one_hot"],
            "category": [None, "a", "b", "__other__", "p", "__other__"],
        }
    )
    kept = np.array([True, False, False, True, True, False])
    np.testing.assert_array_equal(coefficient_positions(params, kept), [0, 1, 2, 3, 4])


def test_reasons_are_top_positive_contributions(
    data: tuple[pd.DataFrame, np.ndarray, pd.DataFrame], result: ScoringResult
) -> None:
    _, _, to_score = data
    scored = to_score.sort_values("lead_id").reset_index(drop=True)
    coefficients = result.coefficients
    terms = pd.DataFrame(_sql_like_terms(coefficients, scored), columns=coefficients["source_feature"])
    by_source = terms.T.groupby(level=0).sum().T  # columns sorted by source name
    names = list(by_source.columns)
    contrib = by_source.to_numpy()
    for i in range(0, len(scored), 37):
        order = sorted(range(len(names)), key=lambda j: (-contrib[i, j], names[j]))
        expected = [names[j] if contrib[i, j] > 0 else None for j in order[:3]]
        got = [result.scores.loc[i, f"reason_{k}"] for k in (1, 2, 3)]
        assert [None if pd.isna(g) else g for g in got] == expected, (i, got, expected)
    assert result.scores["reason_3"].notna().any() and result.scores["reason_1"].isna().sum() < len(scored)


# -------------------------------------------------------------------------------- scores, threshold


def test_score_grade_decile(result: ScoringResult) -> None:
    scores = result.scores
    assert list(scores.columns) == [
        "lead_id",
        "probability",
        "logistic_probability",
        "score",
        "grade",
        "decile",
        "reason_1",
        "reason_2",
        "reason_3",
        "model_name",
        "model_version",
    ]
    assert scores["lead_id"].is_monotonic_increasing and scores["lead_id"].is_unique
    assert scores["probability"].between(0, 1).all()
    assert scores["score"].dtype == "int64" and scores["score"].between(0, 100).all()
    np.testing.assert_array_equal(scores["score"], np.floor(100 * scores["probability"] + 0.5))
    expected_grade = np.select(
        [scores["score"] >= 50, scores["score"] >= 25, scores["score"] >= 10], ["A", "B", "C"], "D"
    )
    assert (scores["grade"] == expected_grade).all()
    assert set(scores["decile"]) == set(range(1, 11))
    assert scores["decile"].value_counts().max() - scores["decile"].value_counts().min() <= 1
    ordered = scores.sort_values(["probability", "lead_id"], ascending=[False, True])
    assert ordered["decile"].is_monotonic_increasing
    assert (scores["model_name"] == "lead_conversion").all() and (scores["model_version"] == "test-1").all()


def test_chosen_threshold_maximises_profit(result: ScoringResult) -> None:
    curve = result.profit_curve
    assert len(curve) == 101
    np.testing.assert_allclose(curve["threshold"], np.arange(101) / 100)
    assert curve["is_chosen"].sum() == 1
    chosen = curve.loc[curve["is_chosen"]].iloc[0]
    best = curve["expected_profit"].max()
    assert chosen["expected_profit"] == best
    assert chosen["threshold"] == curve.loc[curve["expected_profit"] == best, "threshold"].max()
    assert result.metrics["threshold"].iloc[0] == chosen["threshold"]
    np.testing.assert_allclose(
        curve["expected_profit"],
        curve["expected_conversions"] * ECONOMICS.value_per_conversion
        - curve["contacted"] * ECONOMICS.cost_per_contact,
    )
    assert curve["contacted"].is_monotonic_decreasing and curve["contacted"].iloc[0] == 5000
    assert 0.0 < chosen["threshold"] < 0.5  # break-even probability is 40 / 500 = 0.08


def test_threshold_ties_go_to_higher_threshold() -> None:
    assert choose_threshold_index(np.array([1.0, 3.0, 3.0, 2.0, 3.0, 0.0])) == 4
    # nothing pays: contact nobody (threshold 1.00 unless some p == 1)
    curve = profit_curve_arrays(np.array([0.1, 0.2, 0.3]), np.array([0, 0, 1]), Economics(1.0, 10.0))
    assert curve["threshold"][choose_threshold_index(curve["expected_profit"])] == 1.0


# ----------------------------------------------------------------------------------- determinism, samples


def test_deterministic(data: tuple[pd.DataFrame, np.ndarray, pd.DataFrame], result: ScoringResult) -> None:
    train, _, to_score = data
    # same rows in another order: the result does not depend on the input row order
    again = run(train.iloc[::-1], to_score.sample(frac=1.0, random_state=3))
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(result, name), getattr(again, name), obj=name)


def test_sampled_training_and_a_tree_model_winning() -> None:
    # a non-linear truth (a tree model should win) and a fit sample smaller than the training set
    rng = np.random.default_rng(11)
    n = 4000
    x = rng.normal(0.0, 1.0, (n, 2))
    p = 1.0 / (1.0 + np.exp(-(2.5 * (np.abs(x[:, 0]) - 1.0) + 2.0 * x[:, 0] * x[:, 1])))
    frame = pd.DataFrame(
        {"customer_id": np.arange(n), "a": x[:, 0], "b": x[:, 1], "label": (rng.random(n) < p).astype(int)}
    )
    res = fit_and_score(
        frame,
        "label",
        frame.drop(columns="label"),
        [FeatureSpec("a", "numeric"), FeatureSpec("b", "numeric")],
        id_column="customer_id",
        model_name="purchase_propensity",
        model_version="t",
        economics=Economics(100.0, 10.0),
        settings=scoring_settings(max_train_rows=3000),
    )
    metrics = res.metrics.iloc[0]
    assert metrics["chosen_estimator"] in ("random_forest", "hist_gradient_boosting")
    assert metrics["cv_roc_auc_mean"] > metrics["logistic_cv_roc_auc_mean"] + 0.05
    assert metrics["cv_roc_auc_mean"] > roc_auc_score(frame["label"], p) - 0.08
    assert not np.allclose(res.scores["probability"], res.scores["logistic_probability"])
    assert abs(res.scores["probability"].mean() - frame["label"].mean()) < 0.03
    assert metrics["rows"] == n


# ----------------------------------------------------------------------------------------- guardrail


def test_guardrail_skips_with_empty_schema_frames(
    data: tuple[pd.DataFrame, np.ndarray, pd.DataFrame],
) -> None:
    train, _, to_score = data
    few = pd.concat([train[train["converted"] == 0], train[train["converted"] == 1].head(10)])
    with pytest.warns(UserWarning, match="scoring_min_class_count"):
        res = run(few, to_score)
    assert res.is_skipped and "10 positive" in res.skip_reason
    assert len(res.metrics) == 1
    row = res.metrics.iloc[0]
    assert row["is_skipped"] and row["skip_reason"] == res.skip_reason and row["positives"] == 10
    assert list(res.metrics.columns) == list(scoring.METRICS_SCHEMA)
    schemas = {
        "exclusions": EXCLUSIONS_SCHEMA,
        "candidates": scoring.CANDIDATES_SCHEMA,
        "feature_selection": scoring.FEATURE_SELECTION_SCHEMA,
        "coefficients": scoring.COEFFICIENTS_SCHEMA,
        "profit_curve": scoring.PROFIT_CURVE_SCHEMA,
        "scores": {"lead_id": "str", **scoring.SCORES_SCHEMA},
    }
    for name, schema in schemas.items():
        frame = getattr(res, name)
        assert frame.empty, name
        assert frame.dtypes.astype(str).to_dict() == schema, name


def test_guardrail_dtypes_match_a_normal_run(
    result: ScoringResult, data: tuple[pd.DataFrame, np.ndarray, pd.DataFrame]
) -> None:
    train, _, to_score = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        skipped = run(train.head(100), to_score)
    assert skipped.is_skipped
    for name in TABLES:
        pd.testing.assert_series_equal(getattr(skipped, name).dtypes, getattr(result, name).dtypes, obj=name)


def test_strict_raises(data: tuple[pd.DataFrame, np.ndarray, pd.DataFrame]) -> None:
    train, _, to_score = data
    few = pd.concat([train[train["converted"] == 1], train[train["converted"] == 0].head(5)])
    with pytest.raises(ValueError, match="lead_conversion.*5 negative.*min_class_count=50"):
        run(few, to_score, strict=True)


def test_empty_frame_to_score_keeps_schema() -> None:
    train, _ = make_leads(1500, seed=21)
    empty = train.drop(columns="converted").head(0)
    res = run(train, empty, cv_folds=3)
    assert not res.is_skipped and res.scores.empty
    assert res.scores.dtypes.astype(str).to_dict() == {"lead_id": "str", **scoring.SCORES_SCHEMA}
    assert len(res.profit_curve) == 101 and len(res.coefficients) > 0


# ------------------------------------------------------------------------ uninformative features


def test_uninformative_features_are_left_out_and_never_reasons(
    data: tuple[pd.DataFrame, np.ndarray, pd.DataFrame],
) -> None:
    train, _, to_score = data
    train = train.assign(age_years=np.nan, constant=1.0, visits_again=train["visits"] * 2.0 + 1.0)
    to_score = to_score.assign(age_years=np.nan, constant=1.0, visits_again=to_score["visits"] * 2.0 + 1.0)
    features = [
        *FEATURES,
        FeatureSpec("age_years", "numeric"),
        FeatureSpec("constant", "numeric"),
        FeatureSpec("visits_again", "numeric"),
    ]
    res = run(train, to_score, features=sorted(features, key=lambda f: f.name))
    reasons = dict(zip(res.exclusions["feature_name"], res.exclusions["reason"], strict=True))
    assert reasons == {"age_years": "all_null", "constant": "constant", "visits_again": "near_duplicate"}
    left_out = set(reasons)
    assert not left_out & set(res.feature_selection["source_feature"])
    assert not left_out & set(res.coefficients["source_feature"])
    named = set(res.scores[["reason_1", "reason_2", "reason_3"]].to_numpy().ravel()) - {None}
    assert named and not named & left_out
