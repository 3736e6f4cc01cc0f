"""Step 6, tables: every frame a scoring model writes, typed by its schema (also when empty)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from audience.preprocessing import OTHER_CATEGORY
from audience.scoring.search import LOGISTIC, Candidate, SearchResult
from audience.scoring.select import L1Selection
from audience.scoring.threshold import THRESHOLDS, Evaluation
from audience.screening import EXCLUSIONS_SCHEMA, empty_exclusions

METRICS_SCHEMA: dict[str, str] = {
    "model_name": "str",
    "model_version": "str",
    "chosen_estimator": "str",
    "rows": "int64",
    "positives": "int64",
    "cv_roc_auc_mean": "float64",
    "cv_roc_auc_std": "float64",
    "logistic_cv_roc_auc_mean": "float64",
    "pr_auc": "float64",
    "brier_score": "float64",
    "log_loss": "float64",
    "f1": "float64",
    "precision": "float64",
    "recall": "float64",
    "top_decile_lift": "float64",
    "threshold": "float64",
    "is_skipped": "bool",
    "skip_reason": "str",
}
CANDIDATES_SCHEMA: dict[str, str] = {
    "model_name": "str",
    "estimator": "str",
    "params": "str",
    "search_round": "int64",
    "search_rows": "int64",
    "cv_roc_auc_mean": "float64",
    "cv_roc_auc_std": "float64",
    "is_family_best": "bool",
    "is_chosen": "bool",
}
FEATURE_SELECTION_SCHEMA: dict[str, str] = {
    "model_name": "str",
    "source_feature": "str",
    "output_feature": "str",
    "l1_coefficient": "float64",
    "is_kept": "bool",
    "reason": "str",
}
COEFFICIENTS_SCHEMA: dict[str, str] = {
    "model_name": "str",
    "output_feature": "str",
    "source_feature": "str",
    "transform": "str",
    "category": "str",
    "impute_value": "float64",
    "center": "float64",
    "scale": "float64",
    "position": "int64",
    "coefficient": "float64",
    "intercept": "float64",
}
PROFIT_CURVE_SCHEMA: dict[str, str] = {
    "model_name": "str",
    "threshold": "float64",
    "contacted": "int64",
    "expected_conversions": "float64",
    "expected_profit": "float64",
    "precision": "float64",
    "recall": "float64",
    "is_chosen": "bool",
}
SCORES_SCHEMA: dict[str, str] = {  # the id column comes first, with the dtype of the scored frame
    "probability": "float64",
    "logistic_probability": "float64",
    "score": "int64",
    "grade": "str",
    "decile": "int64",
    "reason_1": "str",
    "reason_2": "str",
    "reason_3": "str",
    "model_name": "str",
    "model_version": "str",
}


@dataclass
class ScoringResult:
    """Every table one scoring model writes (see ``audience.scoring`` for the rules behind them)."""

    scores: pd.DataFrame
    metrics: pd.DataFrame
    candidates: pd.DataFrame
    feature_selection: pd.DataFrame
    coefficients: pd.DataFrame
    profit_curve: pd.DataFrame
    exclusions: pd.DataFrame
    is_skipped: bool
    skip_reason: str | None
    # what scores a row (audience.scoring.Scorer); None when skipped. Kept so a later build can reuse the fit
    scorer: Any = None


def typed_frame(schema: dict[str, str], data: dict[str, Any] | None = None) -> pd.DataFrame:
    """A frame with exactly ``schema``'s columns and dtypes (empty when ``data`` is None)."""
    data = data or {}
    columns = {}
    for c, dt in schema.items():
        values = data.get(c, [])
        if isinstance(values, pd.Series | pd.Index):
            values = values.to_numpy()
        columns[c] = pd.Series(values, dtype=dt)
    return pd.DataFrame(columns)


def skipped_result(
    model_name: str, model_version: str, rows: int, positives: int, reason: str, id_column: str, id_dtype: Any
) -> ScoringResult:
    """The result of a skipped model: empty frames with their schema, one metrics row saying why."""
    metrics = typed_frame(
        METRICS_SCHEMA,
        {
            "model_name": [model_name],
            "model_version": [model_version],
            "chosen_estimator": [None],
            "rows": [rows],
            "positives": [positives],
            **{c: [np.nan] for c, dt in METRICS_SCHEMA.items() if dt == "float64"},
            "is_skipped": [True],
            "skip_reason": [reason],
        },
    )
    return ScoringResult(
        scores=typed_frame({id_column: id_dtype, **SCORES_SCHEMA}),
        metrics=metrics,
        candidates=typed_frame(CANDIDATES_SCHEMA),
        feature_selection=typed_frame(FEATURE_SELECTION_SCHEMA),
        coefficients=typed_frame(COEFFICIENTS_SCHEMA),
        profit_curve=typed_frame(PROFIT_CURVE_SCHEMA),
        exclusions=empty_exclusions(),
        is_skipped=True,
        skip_reason=reason,
    )


def metrics_table(
    *,
    model_name: str,
    model_version: str,
    rows: int,
    positives: int,
    searched: SearchResult,
    evaluation: Evaluation,
) -> pd.DataFrame:
    chosen = searched.winners[searched.chosen]
    logistic = searched.winners[LOGISTIC]
    return typed_frame(
        METRICS_SCHEMA,
        {
            "model_name": [model_name],
            "model_version": [model_version],
            "chosen_estimator": [searched.chosen],
            "rows": [rows],
            "positives": [positives],
            "cv_roc_auc_mean": [chosen.cv.mean],
            "cv_roc_auc_std": [chosen.cv.std],
            "logistic_cv_roc_auc_mean": [logistic.cv.mean],
            **{name: [value] for name, value in evaluation.metrics.items()},
            "threshold": [evaluation.threshold],
            "is_skipped": [False],
            "skip_reason": [None],
        },
    )


def candidates_table(model_name: str, searched: SearchResult) -> pd.DataFrame:
    rows: list[Candidate] = searched.candidates
    winners = {(w.family, w.params_json) for w in searched.winners.values()}
    chosen = searched.winners[searched.chosen]
    return typed_frame(
        CANDIDATES_SCHEMA,
        {
            "model_name": [model_name] * len(rows),
            "estimator": [c.family for c in rows],
            "params": [c.params_json for c in rows],
            "search_round": [c.search_round for c in rows],
            "search_rows": [c.rows for c in rows],
            "cv_roc_auc_mean": [c.cv.mean for c in rows],
            "cv_roc_auc_std": [c.cv.std for c in rows],
            "is_family_best": [(c.family, c.params_json) in winners for c in rows],
            "is_chosen": [c.family == chosen.family and c.params_json == chosen.params_json for c in rows],
        },
    )


def profit_curve_table(model_name: str, evaluation: Evaluation) -> pd.DataFrame:
    return typed_frame(
        PROFIT_CURVE_SCHEMA,
        {
            "model_name": [model_name] * len(THRESHOLDS),
            **evaluation.curve,
            "is_chosen": np.arange(len(THRESHOLDS)) == evaluation.chosen_index,
        },
    )


def feature_selection_table(model_name: str, params: pd.DataFrame, selection: L1Selection) -> pd.DataFrame:
    n_out = len(params)
    return typed_frame(
        FEATURE_SELECTION_SCHEMA,
        {
            "model_name": [model_name] * n_out,
            "source_feature": params["source_feature"],
            "output_feature": params["output_feature"],
            "l1_coefficient": selection.coefficients,
            "is_kept": selection.kept,
            "reason": selection.reasons(),
        },
    )


def coefficient_positions(params: pd.DataFrame, kept: np.ndarray) -> np.ndarray:
    """Positions listed in the coefficients table: the kept columns, plus (coefficient 0) the sibling
    one-hot columns of a kept ``<name>=__other__`` column, which SQL needs to know what "other" means."""
    listed = kept.copy()
    is_one_hot = (params["transform"] == "one_hot").to_numpy()
    is_other = is_one_hot & (params["category"] == OTHER_CATEGORY).fillna(False).to_numpy()
    for source in params.loc[kept & is_other, "source_feature"]:
        listed |= is_one_hot & (params["source_feature"] == source).to_numpy()
    return np.flatnonzero(listed)


def coefficients_table(
    model_name: str, params: pd.DataFrame, kept: np.ndarray, coefficients: np.ndarray, intercept: float
) -> pd.DataFrame:
    """The calibrated logistic model: kept columns (and "other" siblings) with preprocessing params."""
    listed = coefficient_positions(params, kept)
    full = np.zeros(len(params), dtype=np.float64)
    full[np.flatnonzero(kept)] = coefficients
    listed_params = params.iloc[listed].reset_index(drop=True)
    return typed_frame(
        COEFFICIENTS_SCHEMA,
        {
            "model_name": [model_name] * len(listed),
            **{c: listed_params[c] for c in COEFFICIENTS_SCHEMA if c in listed_params.columns},
            "coefficient": full[listed],
            "intercept": [intercept] * len(listed),
        },
    )


def exclusions_table(exclusions: pd.DataFrame) -> pd.DataFrame:
    """The screening exclusions, in the exclusions schema."""
    return typed_frame(EXCLUSIONS_SCHEMA, {c: exclusions[c] for c in EXCLUSIONS_SCHEMA})
