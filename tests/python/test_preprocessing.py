"""Tests of audience.preprocessing: the documented rules, the params table, and transform()."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from audience.features import FeatureSpec
from audience.preprocessing import OTHER_CATEGORY, PARAM_COLUMNS, Preprocessor, fit_preprocessor


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 200
    spend = rng.lognormal(3.0, 1.0, n)
    visits = rng.normal(10.0, 2.0, n)
    visits[[3, 17, 42]] = np.nan
    return pd.DataFrame(
        {
            "customer_id": np.arange(n),
            "spend": spend,
            "visits": visits,
            "delta": rng.lognormal(0.0, 1.0, n) - 0.5,  # skewed but has negatives -> identity
            "orders": pd.array(rng.poisson(2.0, n), dtype="Int64"),
            "device": pd.Series(
                rng.choice(["mobile", "desktop", "tablet"], n, p=[0.6, 0.3, 0.1]), dtype="str"
            ),
        }
    )


FEATURES = [
    FeatureSpec("spend", "numeric"),
    FeatureSpec("visits", "numeric"),
    FeatureSpec("delta", "numeric"),
    FeatureSpec("orders", "numeric"),
    FeatureSpec("device", "categorical"),
]


def _row(params: pd.DataFrame, output: str) -> pd.Series:
    rows = params[params["output_feature"] == output]
    assert len(rows) == 1, output
    return rows.iloc[0]


def test_params_table_schema_and_order():
    frame = _frame()
    prep = fit_preprocessor(frame, FEATURES)
    params = prep.params
    assert list(params.columns) == PARAM_COLUMNS
    assert params["position"].tolist() == list(range(len(params)))
    assert prep.output_columns == params["output_feature"].tolist()
    assert prep.output_columns == [
        "spend",
        "visits",
        "visits__missing",
        "delta",
        "orders",
        "device=mobile",
        "device=desktop",
        "device=tablet",
    ]
    assert params["position"].dtype == np.int64
    for column in ("impute_value", "center", "scale"):
        assert params[column].dtype == np.float64
    assert params["category"].isna().tolist() == [True] * 5 + [False] * 3
    assert params["impute_value"].notna().tolist() == [True, True, False, True, True, False, False, False]


def test_numeric_rules_reproduced_from_first_principles():
    frame = _frame()
    params = fit_preprocessor(frame, FEATURES).params

    spend = frame["spend"].to_numpy()
    assert stats.skew(spend) > 1.0 and spend.min() >= 0
    row = _row(params, "spend")
    t = np.log1p(spend)
    q25, q75 = np.percentile(t, [25, 75])
    assert row["transform"] == "log1p"
    assert row["impute_value"] == pytest.approx(np.median(spend))
    assert row["center"] == pytest.approx(np.median(t))
    assert row["scale"] == pytest.approx(q75 - q25)

    visits = frame["visits"].to_numpy()
    observed = visits[~np.isnan(visits)]
    filled = np.where(np.isnan(visits), np.median(observed), visits)
    row = _row(params, "visits")
    assert row["transform"] == "identity"
    assert row["impute_value"] == pytest.approx(np.median(observed))
    assert row["center"] == pytest.approx(np.median(filled))
    q25, q75 = np.percentile(filled, [25, 75])
    assert row["scale"] == pytest.approx(q75 - q25)
    missing = _row(params, "visits__missing")
    assert (missing["transform"], missing["center"], missing["scale"]) == ("missing_indicator", 0.0, 1.0)
    assert missing["source_feature"] == "visits"

    assert stats.skew(frame["delta"]) > 1.0
    assert _row(params, "delta")["transform"] == "identity"  # negative values forbid log1p


def test_transform_matches_formula_and_params_alone():
    frame = _frame()
    prep = fit_preprocessor(frame, FEATURES)
    z = prep.transform(frame)
    assert z.dtype == np.float64 and z.shape == (len(frame), len(prep.output_columns))

    p = prep.params.set_index("output_feature")
    expected_spend = (np.log1p(frame["spend"]) - p.loc["spend", "center"]) / p.loc["spend", "scale"]
    np.testing.assert_allclose(z[:, 0], expected_spend, rtol=0, atol=1e-12)
    visits = frame["visits"].fillna(p.loc["visits", "impute_value"])
    np.testing.assert_allclose(
        z[:, 1], (visits - p.loc["visits", "center"]) / p.loc["visits", "scale"], atol=1e-12
    )
    np.testing.assert_array_equal(z[:, 2], frame["visits"].isna().astype(float))
    np.testing.assert_array_equal(z[:, 5], (frame["device"] == "mobile").astype(float))

    rebuilt = Preprocessor.from_params(prep.params.sample(frac=1.0, random_state=3))
    np.testing.assert_array_equal(rebuilt.transform(frame), z)


def test_robust_scale_falls_back_to_std_then_one():
    frame = pd.DataFrame(
        {"a": [0.0] * 8 + [1.0, 5.0], "b": [2.0] * 10, "c": [1.0, 2.0, 3.0, 4.0] * 2 + [None, None]}
    )
    features = [FeatureSpec("a", "numeric"), FeatureSpec("b", "numeric"), FeatureSpec("c", "numeric")]
    params = fit_preprocessor(frame, features, skew_threshold=100.0).params
    assert _row(params, "a")["scale"] == pytest.approx(np.std(frame["a"]))  # IQR is 0
    assert _row(params, "b")["scale"] == 1.0  # IQR and std are 0
    assert _row(params, "b")["transform"] == "identity"


def test_standard_scaling():
    frame = _frame()
    params = fit_preprocessor(frame, FEATURES, scaling="standard").params
    t = np.log1p(frame["spend"].to_numpy())
    row = _row(params, "spend")
    assert row["center"] == pytest.approx(t.mean())
    assert row["scale"] == pytest.approx(t.std())


def test_all_null_numeric_imputes_zero():
    frame = pd.DataFrame({"a": [None, None, None]}, dtype="float64")
    prep = fit_preprocessor(frame, [FeatureSpec("a", "numeric")])
    assert prep.output_columns == ["a", "a__missing"]
    assert _row(prep.params, "a")["impute_value"] == 0.0
    np.testing.assert_array_equal(prep.transform(frame), [[0.0, 1.0]] * 3)


def test_categorical_top_categories_ties_other_and_unseen():
    values = ["b"] * 5 + ["a"] * 3 + ["c"] * 3 + ["d"] * 1 + [None] * 2
    frame = pd.DataFrame({"cat": pd.Series(values, dtype="str")})
    prep = fit_preprocessor(frame, [FeatureSpec("cat", "categorical")], max_categories=3)
    # b (5) first, then a/c tied at 3 -> 'a' by name; c, d and nulls go to __other__
    assert prep.output_columns == ["cat=b", "cat=a", f"cat={OTHER_CATEGORY}"]
    assert prep.params["category"].tolist() == ["b", "a", OTHER_CATEGORY]
    new = pd.DataFrame({"cat": pd.Series(["a", "zzz", None, "b"], dtype="str")})
    np.testing.assert_array_equal(prep.transform(new), [[0, 1, 0], [0, 0, 1], [0, 0, 1], [1, 0, 0]])

    prep_all = fit_preprocessor(frame, [FeatureSpec("cat", "categorical")], max_categories=10)
    assert prep_all.output_columns == ["cat=b", "cat=a", "cat=c", "cat=__missing__", "cat=d"]
    np.testing.assert_array_equal(
        prep_all.transform(new), [[0, 1, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 1, 0], [1, 0, 0, 0, 0]]
    )


def test_no_other_column_when_exactly_max_minus_one_categories():
    frame = pd.DataFrame({"cat": ["x", "y", "x"]})
    prep = fit_preprocessor(frame, [FeatureSpec("cat", "categorical")], max_categories=3)
    assert prep.output_columns == ["cat=x", "cat=y"]


def test_non_string_categories_are_cast_with_str():
    frame = pd.DataFrame({"tier": pd.array([1, 2, 2, None], dtype="Int64")})
    prep = fit_preprocessor(frame, [FeatureSpec("tier", "categorical")])
    assert prep.output_columns == ["tier=2", "tier=1", "tier=__missing__"]


def test_transform_raises_naming_missing_column():
    frame = _frame()
    prep = fit_preprocessor(frame, FEATURES)
    with pytest.raises(ValueError, match="visits"):
        prep.transform(frame.drop(columns=["visits"]))


def test_fit_rejects_bad_input():
    frame = _frame()
    with pytest.raises(ValueError, match="nope"):
        fit_preprocessor(frame, [FeatureSpec("nope", "numeric")])
    with pytest.raises(ValueError, match="scaling"):
        fit_preprocessor(frame, FEATURES, scaling="minmax")
    with pytest.raises(ValueError, match="infinite"):
        fit_preprocessor(pd.DataFrame({"a": [1.0, np.inf]}), [FeatureSpec("a", "numeric")])
    with pytest.raises(ValueError, match="non-numeric"):
        fit_preprocessor(pd.DataFrame({"a": ["x", "y"]}), [FeatureSpec("a", "numeric")])


def test_inverse_transform_returns_original_units():
    frame = _frame()
    prep = fit_preprocessor(frame, FEATURES)
    z = prep.transform(frame)
    back = prep.inverse_transform(z)
    np.testing.assert_allclose(back[:, 0], frame["spend"], rtol=1e-10)
    np.testing.assert_allclose(back[:, 5], (frame["device"] == "mobile").astype(float), atol=1e-12)
