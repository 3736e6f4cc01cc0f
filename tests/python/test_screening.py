"""Tests of audience.screening: uninformative features are left out of a fit, with their reason."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from audience.features import FeatureSpec
from audience.preprocessing import CategoryRule
from audience.screening import EXCLUSIONS_SCHEMA, screen_features

RULE = CategoryRule(min_count=5, min_share=0.0)


def _frame(n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    base = rng.normal(0.0, 1.0, n)
    return pd.DataFrame(
        {
            "age": np.full(n, np.nan),  # all null (e.g. Online Retail's age_years)
            "base": base,
            "copy": 3.0 * base + 1.0 + rng.normal(0.0, 0.01, n),  # |r| > 0.99 with base
            "flat": np.full(n, 7.0),
            "flat_with_nulls": np.where(np.arange(n) % 2 == 0, 7.0, np.nan),  # missingness informs
            "independent": rng.normal(0.0, 1.0, n),
            "one_level": pd.Series(["x"] * n, dtype="str"),
            "rare_levels": pd.Series([f"title {i}" for i in range(n)], dtype="str"),  # every level once
            "channel": pd.Series(rng.choice(["web", "email"], n), dtype="str"),
        }
    )


FEATURES = [
    FeatureSpec("age", "numeric"),
    FeatureSpec("base", "numeric"),
    FeatureSpec("channel", "categorical"),
    FeatureSpec("copy", "numeric"),
    FeatureSpec("flat", "numeric"),
    FeatureSpec("flat_with_nulls", "numeric"),
    FeatureSpec("independent", "numeric"),
    FeatureSpec("one_level", "categorical"),
    FeatureSpec("rare_levels", "categorical"),
]


def test_each_reason_and_what_stays():
    frame = _frame()
    screened = screen_features(frame, FEATURES, model_name="m", max_abs_correlation=0.98, category_rule=RULE)
    reasons = dict(zip(screened.exclusions["feature_name"], screened.exclusions["reason"], strict=True))
    assert reasons == {
        "age": "all_null",
        "copy": "near_duplicate",
        "flat": "constant",
        "one_level": "constant",
        "rare_levels": "constant",
    }
    assert [spec.name for spec in screened.kept] == ["base", "channel", "flat_with_nulls", "independent"]
    duplicate = screened.exclusions.set_index("feature_name").loc["copy"]
    assert duplicate["related_feature"] == "base"
    r = abs(np.corrcoef(frame["base"], frame["copy"])[0, 1])
    assert duplicate["abs_correlation"] == pytest.approx(r, abs=1e-12)
    assert "every level" not in screened.exclusions.set_index("feature_name").loc["one_level", "detail"]
    assert (
        "rarer than the rare-level rule"
        in screened.exclusions.set_index("feature_name").loc["rare_levels", "detail"]
    )
    assert (screened.exclusions["model_name"] == "m").all()
    assert (screened.exclusions["screened_rows"] == len(frame)).all()
    assert screened.exclusions.dtypes.astype(str).to_dict() == EXCLUSIONS_SCHEMA


def test_correlation_threshold_and_pairwise_complete_rows():
    frame = _frame()
    loose = screen_features(frame, FEATURES, model_name="m", max_abs_correlation=0.999999, category_rule=RULE)
    assert "copy" not in set(loose.exclusions["feature_name"])
    # nulls in one of the two features: r over the rows where both have a value
    frame.loc[::3, "copy"] = np.nan
    screened = screen_features(frame, FEATURES, model_name="m", max_abs_correlation=0.98, category_rule=RULE)
    assert "copy" in set(screened.exclusions["feature_name"])


def test_the_earlier_feature_of_a_duplicate_pair_stays_in_registry_order():
    frame = _frame()
    reordered = [FeatureSpec("copy", "numeric"), FeatureSpec("base", "numeric")]
    screened = screen_features(frame, reordered, model_name="m", max_abs_correlation=0.98, category_rule=RULE)
    assert [s.name for s in screened.kept] == ["copy"]
    assert screened.exclusions["feature_name"].tolist() == ["base"]


def test_nothing_left_is_an_error_naming_each_reason():
    frame = _frame()
    with pytest.raises(ValueError, match=r"age: all_null.*flat: constant"):
        screen_features(
            frame,
            [FeatureSpec("age", "numeric"), FeatureSpec("flat", "numeric")],
            model_name="m",
            max_abs_correlation=0.98,
            category_rule=RULE,
        )


def test_no_exclusion_gives_an_empty_typed_table():
    frame = _frame()
    screened = screen_features(
        frame, [FeatureSpec("base", "numeric")], model_name="m", max_abs_correlation=0.98, category_rule=RULE
    )
    assert screened.exclusions.empty
    assert screened.exclusions.dtypes.astype(str).to_dict() == EXCLUSIONS_SCHEMA
