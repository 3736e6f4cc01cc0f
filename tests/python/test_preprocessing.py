"""Tests of audience.preprocessing: the documented rules, the params table, and transform()."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from audience.features import FeatureSpec
from audience.preprocessing import (
    OTHER_CATEGORY,
    PARAM_COLUMNS,
    CategoryRule,
    PreprocessingSettings,
    Preprocessor,
    fit_preprocessor,
)

# the settings each test states (the project defaults are in dbt_project.yml, tested end to end elsewhere)
ROBUST = PreprocessingSettings(
    scaling="robust", skew_threshold=1.0, category_min_count=1, category_min_share=0.0, imputation="median"
)


def fit(frame: pd.DataFrame, features: list[FeatureSpec], **changes: object) -> Preprocessor:
    """fit_preprocessor with ROBUST settings, ``changes`` replacing some of them."""
    settings = PreprocessingSettings(**{**ROBUST.__dict__, **changes})  # type: ignore[arg-type]
    return fit_preprocessor(frame, features, settings, seed=0)


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
    prep = fit(frame, FEATURES)
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
    params = fit(frame, FEATURES).params

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
    prep = fit(frame, FEATURES)
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
    params = fit(frame, features, skew_threshold=100.0).params
    assert _row(params, "a")["scale"] == pytest.approx(np.std(frame["a"]))  # IQR is 0
    assert _row(params, "b")["scale"] == 1.0  # IQR and std are 0
    assert _row(params, "b")["transform"] == "identity"


def test_standard_scaling():
    frame = _frame()
    params = fit(frame, FEATURES, scaling="standard").params
    t = np.log1p(frame["spend"].to_numpy())
    row = _row(params, "spend")
    assert row["center"] == pytest.approx(t.mean())
    assert row["scale"] == pytest.approx(t.std())


def test_all_null_numeric_imputes_zero():
    frame = pd.DataFrame({"a": [None, None, None]}, dtype="float64")
    prep = fit(frame, [FeatureSpec("a", "numeric")])
    assert prep.output_columns == ["a", "a__missing"]
    assert _row(prep.params, "a")["impute_value"] == 0.0
    np.testing.assert_array_equal(prep.transform(frame), [[0.0, 1.0]] * 3)


def test_rare_level_rule_min_count_ties_other_and_unseen():
    values = ["b"] * 5 + ["a"] * 3 + ["c"] * 3 + ["d"] * 1 + [None] * 2
    frame = pd.DataFrame({"cat": pd.Series(values, dtype="str")})
    prep = fit(frame, [FeatureSpec("cat", "categorical")], category_min_count=3)
    # b (5) first, then a/c tied at 3 -> 'a' by name; d (1) and nulls (2) are rarer than 3: __other__
    assert prep.output_columns == ["cat=b", "cat=a", "cat=c", f"cat={OTHER_CATEGORY}"]
    assert prep.params["category"].tolist() == ["b", "a", "c", OTHER_CATEGORY]
    new = pd.DataFrame({"cat": pd.Series(["a", "zzz", None, "b", "d"], dtype="str")})
    np.testing.assert_array_equal(
        prep.transform(new), [[0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 0, 1], [1, 0, 0, 0], [0, 0, 0, 1]]
    )

    prep_all = fit(frame, [FeatureSpec("cat", "categorical")], category_min_count=1)
    assert prep_all.output_columns == ["cat=b", "cat=a", "cat=c", "cat=__missing__", "cat=d"]
    np.testing.assert_array_equal(
        prep_all.transform(new),
        [[0, 1, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 1, 0], [1, 0, 0, 0, 0], [0, 0, 0, 0, 1]],
    )


def test_rare_level_rule_min_share_is_a_share_of_the_training_rows():
    # 14 rows: a share of 0.25 needs 3.5 rows, so b (5) stays and a, c (3 each) join d and nulls
    values = ["b"] * 5 + ["a"] * 3 + ["c"] * 3 + ["d"] * 1 + [None] * 2
    frame = pd.DataFrame({"cat": pd.Series(values, dtype="str")})
    prep = fit(frame, [FeatureSpec("cat", "categorical")], category_min_count=1, category_min_share=0.25)
    assert prep.output_columns == ["cat=b", f"cat={OTHER_CATEGORY}"]
    # both parts of the rule must hold: count >= max(min_count, min_share * rows)
    rule = CategoryRule(min_count=4, min_share=0.1)
    counts = pd.Series({"b": 5, "a": 3, "c": 3})
    assert rule.kept(counts, rows=14) == ["b"]
    assert CategoryRule(min_count=1, min_share=0.5).kept(counts, rows=11) == []
    with pytest.raises(ValueError, match="min_share"):
        CategoryRule(min_count=1, min_share=1.0)


def test_no_other_column_when_every_level_is_kept():
    frame = pd.DataFrame({"cat": ["x", "y", "x"]})
    prep = fit(frame, [FeatureSpec("cat", "categorical")])
    assert prep.output_columns == ["cat=x", "cat=y"]


def test_iterative_imputation_uses_the_other_features_and_keeps_the_median_in_params():
    rng = np.random.default_rng(3)
    n = 400
    a = rng.normal(10.0, 3.0, n)
    b = 2.0 * a + rng.normal(0.0, 0.1, n)  # b is nearly a function of a
    missing = rng.random(n) < 0.2
    frame = pd.DataFrame({"a": a, "b": np.where(missing, np.nan, b)})
    features = [FeatureSpec("a", "numeric"), FeatureSpec("b", "numeric")]
    median = fit(frame, features, scaling="standard")
    iterative = fit(frame, features, scaling="standard", imputation="iterative")
    # the SQL-visible params keep the median as impute_value (the portable fallback)
    assert _row(iterative.params, "b")["impute_value"] == pytest.approx(np.median(b[~missing]))
    assert iterative.output_columns == median.output_columns == ["a", "b", "b__missing"]
    # imputed values follow a: back in original units they are close to 2a, the median is not
    back = iterative.inverse_transform(iterative.transform(frame))[:, 1]
    assert np.abs(back[missing] - 2.0 * a[missing]).max() < 1.0
    back_median = median.inverse_transform(median.transform(frame))[:, 1]
    assert np.abs(back_median[missing] - 2.0 * a[missing]).mean() > 3.0
    # rows without a missing value are transformed identically up to the scaling constants
    np.testing.assert_allclose(
        iterative.inverse_transform(iterative.transform(frame))[~missing, 1], b[~missing], rtol=1e-12
    )


def test_non_string_categories_are_cast_with_str():
    frame = pd.DataFrame({"tier": pd.array([1, 2, 2, None], dtype="Int64")})
    prep = fit(frame, [FeatureSpec("tier", "categorical")])
    assert prep.output_columns == ["tier=2", "tier=1", "tier=__missing__"]


def test_transform_raises_naming_missing_column():
    frame = _frame()
    prep = fit(frame, FEATURES)
    with pytest.raises(ValueError, match="visits"):
        prep.transform(frame.drop(columns=["visits"]))


def test_fit_rejects_bad_input():
    frame = _frame()
    with pytest.raises(ValueError, match="nope"):
        fit(frame, [FeatureSpec("nope", "numeric")])
    with pytest.raises(ValueError, match="scaling"):
        fit(frame, FEATURES, scaling="minmax")
    with pytest.raises(ValueError, match="infinite"):
        fit(pd.DataFrame({"a": [1.0, np.inf]}), [FeatureSpec("a", "numeric")])
    with pytest.raises(ValueError, match="non-numeric"):
        fit(pd.DataFrame({"a": ["x", "y"]}), [FeatureSpec("a", "numeric")])


def test_inverse_transform_returns_original_units():
    frame = _frame()
    prep = fit(frame, FEATURES)
    z = prep.transform(frame)
    back = prep.inverse_transform(z)
    np.testing.assert_allclose(back[:, 0], frame["spend"], rtol=1e-10)
    np.testing.assert_allclose(back[:, 5], (frame["device"] == "mobile").astype(float), atol=1e-12)
