"""Features that carry no information in the training data are left out of a fit, visibly.

:func:`screen_features` checks every declared feature on the rows a model is fitted on, in the order
of the feature list (the registry's, alphabetical), and leaves out:

``all_null``
    no row has a value.
``constant``
    every row has the same value, a null counting as a value of its own (so a numeric feature with one
    value and some nulls stays: its missing indicator tells rows apart). A categorical feature is also
    constant when the rare-level rule (:class:`audience.preprocessing.CategoryRule`) leaves a single
    group: every level kept is the only one, or every level is rare and all rows share ``__other__``.
``near_duplicate``
    a numeric feature whose Pearson correlation with an EARLIER kept numeric feature exceeds
    ``max_abs_correlation`` in absolute value (the dbt var ``max_abs_correlation``, default 0.98),
    computed over the rows where both have a value (at least 3, and both vary there). The earlier
    feature stays; ``related_feature`` names it and ``abs_correlation`` gives ``|r|``. Categorical
    features are not compared (correlation is not defined for them).

The result is a table (``model_feature_exclusions`` in the warehouse): one row per left-out feature.
A left-out feature gets no column in the model, so it can never be a reason code, a centroid
coordinate or a name token. Nothing is left out silently: if every feature is left out, the caller
gets an error naming each one's reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from audience.features import FeatureSpec
from audience.preprocessing import MISSING_CATEGORY, CategoryRule

REASONS = ("all_null", "constant", "near_duplicate")
EXCLUSIONS_SCHEMA: dict[str, str] = {
    "model_name": "str",
    "feature_name": "str",
    "feature_role": "str",
    "reason": "str",
    "detail": "str",
    "related_feature": "str",
    "abs_correlation": "float64",
    "screened_rows": "int64",
}
MIN_PAIRED_ROWS = 3


@dataclass
class Screening:
    """The features kept for a fit and the table of those left out (``EXCLUSIONS_SCHEMA``)."""

    kept: list[FeatureSpec]
    exclusions: pd.DataFrame


def screen_features(
    frame: pd.DataFrame,
    features: list[FeatureSpec],
    *,
    model_name: str,
    max_abs_correlation: float,
    category_rule: CategoryRule,
) -> Screening:
    """Split ``features`` into those ``frame`` gives information about and those left out, with reasons."""
    if not 0 < max_abs_correlation <= 1:
        raise ValueError(f"max_abs_correlation must be in (0, 1], got {max_abs_correlation}")
    rows = len(frame)
    records: list[dict[str, object]] = []
    survivors: list[FeatureSpec] = []
    for spec in features:
        series = frame[spec.name]
        present = int(series.notna().sum())
        if present == 0:
            records.append(_record(spec, "all_null", f"no value in the {rows:,} training rows"))
            continue
        if spec.role == "categorical":
            groups = _category_groups(series, category_rule)
            if groups <= 1:
                records.append(_record(spec, "constant", _categorical_detail(series, category_rule, rows)))
                continue
        else:
            values = series.to_numpy(dtype=np.float64, na_value=np.nan)
            distinct = np.unique(values[~np.isnan(values)]).size + int(present < rows)
            if distinct <= 1:
                records.append(_record(spec, "constant", f"every training row has the value {values[0]:g}"))
                continue
        survivors.append(spec)

    kept: list[FeatureSpec] = []
    numeric_kept: list[str] = []
    numeric = {
        spec.name: frame[spec.name].to_numpy(dtype=np.float64, na_value=np.nan)
        for spec in survivors
        if spec.role == "numeric"
    }
    for spec in survivors:
        if spec.role == "numeric":
            match = _first_near_duplicate(numeric[spec.name], numeric, numeric_kept, max_abs_correlation)
            if match is not None:
                earlier, r = match
                records.append(
                    _record(
                        spec,
                        "near_duplicate",
                        f"|r| = {r:.4f} > {max_abs_correlation:g} with {earlier} (kept)",
                        related=earlier,
                        abs_correlation=r,
                    )
                )
                continue
            numeric_kept.append(spec.name)
        kept.append(spec)

    exclusions = _typed(
        [{**record, "model_name": model_name, "screened_rows": rows} for record in records],
        [spec.name for spec in features],
    )
    if not kept:
        reasons = "; ".join(f"{r['feature_name']}: {r['reason']} ({r['detail']})" for r in records)
        raise ValueError(
            f"model '{model_name}': every feature is uninformative in the training data: {reasons}"
        )
    return Screening(kept=kept, exclusions=exclusions)


def empty_exclusions() -> pd.DataFrame:
    """The exclusions table with no row (a skipped model)."""
    return _typed([], [])


def _record(
    spec: FeatureSpec,
    reason: str,
    detail: str,
    *,
    related: str | None = None,
    abs_correlation: float = np.nan,
) -> dict[str, object]:
    return {
        "feature_name": spec.name,
        "feature_role": spec.role,
        "reason": reason,
        "detail": detail,
        "related_feature": related,
        "abs_correlation": abs_correlation,
    }


def _typed(records: list[dict[str, object]], order: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records, columns=list(EXCLUSIONS_SCHEMA))
    if order:
        frame = frame.sort_values(
            "feature_name", key=lambda s: s.map({n: i for i, n in enumerate(order)}), kind="stable"
        )
    return pd.DataFrame(
        {c: pd.Series(frame[c].to_numpy(), dtype=dt) for c, dt in EXCLUSIONS_SCHEMA.items()}
    ).reset_index(drop=True)


def _categories(series: pd.Series) -> pd.Series:
    return series.astype("str").fillna(MISSING_CATEGORY)


def _category_groups(series: pd.Series, rule: CategoryRule) -> int:
    """How many one-hot groups the rare-level rule makes of ``series`` (kept levels, plus other)."""
    counts = _categories(series).value_counts(sort=False)
    kept = rule.kept(counts, len(series))
    return len(kept) + int(len(counts) > len(kept))


def _categorical_detail(series: pd.Series, rule: CategoryRule, rows: int) -> str:
    counts = _categories(series).value_counts(sort=False)
    if len(counts) == 1:
        return f"every training row has the value {counts.index[0]!r}"
    return (
        f"all {len(counts):,} levels are rarer than the rare-level rule (at least {rule.min_count} rows and "
        f"{rule.min_share:g} of {rows:,}): every row falls in one group"
    )


def _first_near_duplicate(
    values: np.ndarray, numeric: dict[str, np.ndarray], earlier: list[str], threshold: float
) -> tuple[str, float] | None:
    """The first earlier kept feature correlated above ``threshold`` with ``values``, and ``|r|``."""
    for name in earlier:
        r = _abs_correlation(values, numeric[name])
        if r is not None and r > threshold:
            return name, r
    return None


def _abs_correlation(a: np.ndarray, b: np.ndarray) -> float | None:
    """``|Pearson r|`` over the rows where both have a value; None when undefined."""
    both = ~(np.isnan(a) | np.isnan(b))
    if both.sum() < MIN_PAIRED_ROWS:
        return None
    x, y = a[both], b[both]
    x = x - x.mean()
    y = y - y.mean()
    denominator = np.sqrt(np.dot(x, x) * np.dot(y, y))
    if not denominator > 0:
        return None
    return float(min(1.0, abs(np.dot(x, y)) / denominator))
