"""Supervised lead-conversion and purchase-propensity scoring, with a SQL-reproducible logistic model.

``fit_and_score`` trains on labelled rows (0/1 label) and scores another frame. It is used by two dbt
Python models: lead conversion (B2B, id ``lead_id``) and purchase propensity (B2C, id ``customer_id``).

Method (all steps seeded by ``seed``, ``n_jobs=1``):

1. **Preprocessing**: ``audience.preprocessing.fit_preprocessor`` fitted on the whole training frame;
   every model sees the standardised output columns ``z``.
2. **Samples**: the training rows (ordered by the id column when it is present, so that the input row
   order does not matter) are reduced to a stratified, fixed-seed *fit sample* of at most
   ``max_train_rows`` rows and, inside it, a *search sample* of at most ``SEARCH_ROWS`` rows. A class is
   never sampled below ``min(its count, min_class_count)`` rows; the calibration intercept is corrected by
   ``log(rate_negative / rate_positive)`` of the two sampling rates, so probabilities stay calibrated to
   the full training set's base rate.
3. **Feature selection** (search sample): L1 logistic regression (liblinear) for each per-row penalty
   of ``L1_PENALTY_GRID`` (``C = 1 / (penalty * rows)``, so the grid means the same at any sample size);
   C is the *smallest* C whose mean CV ROC AUC is within one standard error of the best (the
   one-standard-error rule, which favours sparse models). Output columns with a non-zero L1
   coefficient are kept; if none is, all are kept. The selection is made once on the whole search sample,
   before the candidates' CV (a small optimistic bias of the logistic CV AUC, accepted for speed).
4. **Candidates** (search sample, the same stratified ``cv_folds``-fold split, shuffled with ``seed``):
   L2 logistic regression on the kept columns for each C of ``LOGISTIC_C_GRID`` and
   ``HistGradientBoostingClassifier`` (early stopping off) on all columns for each configuration of
   ``HGB_GRID``. The chosen estimator has the highest mean CV ROC AUC (ties: the earlier candidate, the
   logistic ones first). The best logistic configuration is always fitted too: it is the model that SQL
   reproduces (``logistic_probability``, the reasons and the ``coefficients`` table).
5. **Calibration**: Platt (sigmoid) scaling fitted on out-of-fold (OOF) decision values of the fit
   sample (Newton's method with Platt's target smoothing), then the configuration is refitted on the
   whole fit sample (like ``CalibratedClassifierCV(method="sigmoid", ensemble=False)``). For the logistic
   model the Platt slope ``a`` and intercept ``b`` are folded into the output: ``coefficient = a * w``,
   ``intercept = a * w0 + b``, so that ``p = 1 / (1 + exp(-(intercept + sum(coefficient * z))))``.
   The ``coefficients`` table lists the kept columns with the preprocessing params (``z`` is computed
   from them exactly as ``audience.preprocessing`` documents) and, with coefficient 0, the sibling
   one-hot columns of a kept ``<name>=__other__`` column: SQL needs them to know which categories are
   not "other".
   The gradient-boosting probability is calibrated with the same sigmoid method on its raw log-odds.
6. **Threshold and profit rule**: on the OOF calibrated probabilities ``p`` of the fit sample, for each
   threshold ``t`` in ``0.00, 0.01, ..., 1.00`` the *expected* profit is
   ``sum over rows with p >= t of (p * value_per_conversion - cost_per_contact)`` (expected, not
   realised, conversions: the probabilities are calibrated). The chosen threshold maximises it; ties go
   to the higher threshold (fewer contacts for the same profit), so when no contact pays the threshold
   is 1.00. The ``precision`` / ``recall`` columns of the profit curve and the metrics' f1, precision
   and recall are realised on the OOF labels (0 when nobody is contacted).
7. **Scores**: ``score = floor(100 * probability + 0.5)`` (SQL ``round`` for non-negative numbers),
   an integer 0..100. Grades from the cut points ``GRADE_CUTS`` on the score:

   ========  ==================  ================================
   grade     score               meaning (calibrated probability)
   ========  ==================  ================================
   A         50..100             more likely than not to convert
   B         25..49              at least 1 in 4
   C         10..24              at least 1 in 10
   D         0..9                below 1 in 10
   ========  ==================  ================================

   ``decile`` is 1..10 over the scored rows ordered by probability descending, ties by id ascending;
   deciles are as equal in size as possible (rank ``r`` 0-based of ``n`` -> ``floor(10 * r / n) + 1``).
   ``reason_1..3`` are the source features with the largest positive contributions
   ``coefficient * z`` (summed over a source feature's output columns) in the calibrated logistic model,
   ties by feature name; ``None`` when fewer than three contributions are positive.

Runtime: everything runs on one thread (``n_jobs=1``; OpenMP and BLAS limited with threadpoolctl), so
the cost is bounded by the samples: measured on 1M rows to train and 1M to score, about 20 s for a
logistic choice and 35 s for a boosting choice on a busy 2-core machine.

Metrics (``pr_auc`` = average precision, Brier score, log loss, f1/precision/recall, top-decile lift) are
computed on the OOF calibrated probabilities of the fit sample; ``rows`` / ``positives`` count the whole
training frame. Every frame is sorted deterministically (scores by id) and keeps its full column schema
when empty. Too few positives or negatives (``min_class_count``) skip the model with a warning (or raise
a ``ValueError`` with ``strict=True``).
"""

from __future__ import annotations

import json
import math
import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    f1_score,
    log_loss,
    precision_score,
    recall_score,
    roc_auc_score,
)
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from audience.features import FeatureSpec
from audience.preprocessing import OTHER_CATEGORY, fit_preprocessor

GRADE_CUTS: tuple[tuple[str, int], ...] = (("A", 50), ("B", 25), ("C", 10))
"""Lowest score of grades A, B and C; any lower score is grade D."""
LOWEST_GRADE = "D"
THRESHOLDS: np.ndarray = np.round(np.linspace(0.0, 1.0, 101), 2)
"""The 101 profit-curve thresholds 0.00, 0.01, ..., 1.00."""
SEARCH_ROWS = 50_000
"""Largest search sample (feature selection and candidate CV)."""
L1_PENALTY_GRID: tuple[float, ...] = (0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001, 0.0005, 0.0002)
"""Per-row L1 penalties ``lambda``, strongest first; liblinear's ``C = 1 / (lambda * n_rows)``."""
LOGISTIC_C_GRID: tuple[float, ...] = (0.01, 0.1, 1.0, 10.0)
HGB_GRID: tuple[dict[str, Any], ...] = (
    {"learning_rate": 0.1, "max_iter": 100, "max_leaf_nodes": 15},
    {"learning_rate": 0.1, "max_iter": 100, "max_leaf_nodes": 31},
    {"learning_rate": 0.2, "max_iter": 50, "max_leaf_nodes": 15},
)
"""Boosting configurations; at most 100 trees, so that 1M rows score within the time budget."""
LOGISTIC = "logistic_regression"
HGB = "hist_gradient_boosting"
N_REASONS = 3

METRICS_SCHEMA: dict[str, str] = {
    "model_name": "str",
    "model_version": "str",
    "chosen_estimator": "str",
    "rows": "int64",
    "positives": "int64",
    "cv_roc_auc_mean": "float64",
    "cv_roc_auc_std": "float64",
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
    "cv_roc_auc_mean": "float64",
    "cv_roc_auc_std": "float64",
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


@dataclass(frozen=True)
class Economics:
    """What a conversion is worth and what contacting one row costs (same currency)."""

    value_per_conversion: float
    cost_per_contact: float


@dataclass
class ScoringResult:
    """Every table one scoring model writes; see the module docstring for the rules behind them."""

    scores: pd.DataFrame
    metrics: pd.DataFrame
    candidates: pd.DataFrame
    feature_selection: pd.DataFrame
    coefficients: pd.DataFrame
    profit_curve: pd.DataFrame
    is_skipped: bool
    skip_reason: str | None


@dataclass(frozen=True)
class _CvResult:
    """Fold ROC AUCs and out-of-fold decision values of one candidate configuration."""

    aucs: np.ndarray
    oof: np.ndarray

    @property
    def mean(self) -> float:
        return float(np.mean(self.aucs))

    @property
    def std(self) -> float:
        return float(np.std(self.aucs))


# ----------------------------------------------------------------------------------------------- formulas


def sigmoid(eta: np.ndarray) -> np.ndarray:
    """The logistic function ``1 / (1 + exp(-eta))`` as float64, without overflow."""
    return expit(np.asarray(eta, dtype=np.float64))


def logistic_terms(z: np.ndarray, coefficients: np.ndarray) -> np.ndarray:
    """Per-column contributions ``coefficient * z`` of a logistic model, shape ``(n, k)``."""
    return np.asarray(z, dtype=np.float64) * np.asarray(coefficients, dtype=np.float64)


def logistic_eta(z: np.ndarray, coefficients: np.ndarray, intercept: float) -> np.ndarray:
    """The linear predictor ``intercept + sum(coefficient * z)`` of a logistic model, shape ``(n,)``."""
    return float(intercept) + logistic_terms(z, coefficients).sum(axis=1)


def platt_fold(coefficients: np.ndarray, intercept: float, a: float, b: float) -> tuple[np.ndarray, float]:
    """Fold Platt scaling ``sigmoid(a * eta + b)`` into a logistic model: new (coefficients, intercept)."""
    return a * np.asarray(coefficients, dtype=np.float64), a * float(intercept) + b


def fit_platt(decision: np.ndarray, y: np.ndarray, *, max_iter: int = 100) -> tuple[float, float]:
    """Platt scaling: ``(a, b)`` maximising the likelihood of ``y`` under ``sigmoid(a * decision + b)``.

    Uses Platt's smoothed targets ``(n_pos + 1) / (n_pos + 2)`` and ``1 / (n_neg + 2)`` and Newton's
    method with step halving (deterministic, no random state).
    """
    f = np.asarray(decision, dtype=np.float64)
    y = np.asarray(y)
    n_pos = float(np.sum(y == 1))
    n_neg = float(len(y) - n_pos)
    t = np.where(y == 1, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))

    def loss(a: float, b: float) -> float:
        eta = a * f + b
        return float(np.sum(t * np.logaddexp(0.0, -eta) + (1.0 - t) * np.logaddexp(0.0, eta)))

    a, b = 0.0, math.log((n_pos + 1.0) / (n_neg + 1.0))
    current = loss(a, b)
    for _ in range(max_iter):
        p = sigmoid(a * f + b)
        r = p - t
        w = p * (1.0 - p)
        grad = np.array([np.dot(r, f), r.sum()])
        hess = np.array([[np.dot(w, f * f), np.dot(w, f)], [np.dot(w, f), w.sum()]]) + 1e-12 * np.eye(2)
        step = np.linalg.solve(hess, grad)
        size = 1.0
        while size > 1e-10:
            a_new, b_new = a - size * step[0], b - size * step[1]
            new = loss(a_new, b_new)
            if new <= current:
                break
            size /= 2.0
        else:
            break
        improvement = current - new
        a, b, current = a_new, b_new, new
        if improvement <= 1e-12 * max(1.0, abs(current)) or np.max(np.abs(size * step)) < 1e-12:
            break
    return float(a), float(b)


def score_from_probability(probability: np.ndarray) -> np.ndarray:
    """Integer score 0..100: ``floor(100 * probability + 0.5)`` (SQL ``round`` of a non-negative)."""
    return np.floor(100.0 * np.asarray(probability, dtype=np.float64) + 0.5).astype(np.int64)


def grade_from_score(score: np.ndarray) -> np.ndarray:
    """Grade letters from ``GRADE_CUTS`` (A >= 50, B >= 25, C >= 10, else D), as an object array."""
    score = np.asarray(score)
    conditions = [score >= cut for _, cut in GRADE_CUTS]
    return np.select(conditions, [g for g, _ in GRADE_CUTS], default=LOWEST_GRADE).astype(object)


def deciles(probability: np.ndarray) -> np.ndarray:
    """Deciles 1..10 (1 = highest) of rows already sorted by id; ties keep id order."""
    n = len(probability)
    order = np.argsort(-np.asarray(probability, dtype=np.float64), kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    return (rank * 10) // max(n, 1) + 1


def profit_curve_arrays(
    probability: np.ndarray, y: np.ndarray, economics: Economics
) -> dict[str, np.ndarray]:
    """The profit rule on ``THRESHOLDS``: contacted, expected conversions and profit, realised precision
    and recall (0 when nobody is contacted or there is no positive)."""
    p = np.asarray(probability, dtype=np.float64)
    y = np.asarray(y)
    total_pos = int(np.sum(y == 1))
    contacted, conversions, profit, precision, recall = [], [], [], [], []
    for t in THRESHOLDS:
        mask = p >= t
        n = int(mask.sum())
        expected = float(p[mask].sum())
        hits = int(np.sum(y[mask] == 1))
        contacted.append(n)
        conversions.append(expected)
        profit.append(expected * economics.value_per_conversion - n * economics.cost_per_contact)
        precision.append(hits / n if n else 0.0)
        recall.append(hits / total_pos if total_pos else 0.0)
    return {
        "threshold": THRESHOLDS.astype(np.float64),
        "contacted": np.array(contacted, dtype=np.int64),
        "expected_conversions": np.array(conversions, dtype=np.float64),
        "expected_profit": np.array(profit, dtype=np.float64),
        "precision": np.array(precision, dtype=np.float64),
        "recall": np.array(recall, dtype=np.float64),
    }


def choose_threshold_index(expected_profit: np.ndarray) -> int:
    """Index of the highest expected profit; ties go to the higher threshold (the last index)."""
    profit = np.asarray(expected_profit, dtype=np.float64)
    return int(np.flatnonzero(profit == profit.max())[-1])


def top_decile_lift(probability: np.ndarray, y: np.ndarray) -> float:
    """Positive rate of the top ``ceil(n / 10)`` rows by probability (ties by position) / overall rate."""
    y = np.asarray(y, dtype=np.float64)
    order = np.argsort(-np.asarray(probability, dtype=np.float64), kind="stable")
    top = max(1, math.ceil(len(y) / 10))
    overall = y.mean()
    return float(y[order[:top]].mean() / overall) if overall > 0 else float("nan")


# ------------------------------------------------------------------------------------------------ helpers


def _typed_frame(schema: dict[str, str], data: dict[str, Any] | None = None) -> pd.DataFrame:
    """A frame with exactly ``schema``'s columns and dtypes (empty when ``data`` is None)."""
    data = data or {}
    columns = {}
    for c, dt in schema.items():
        values = data.get(c, [])
        if isinstance(values, pd.Series | pd.Index):
            values = values.to_numpy()
        columns[c] = pd.Series(values, dtype=dt)
    return pd.DataFrame(columns)


def _stratified_sample(
    y: np.ndarray, max_rows: int, seed: int, floor: int
) -> tuple[np.ndarray, float, float]:
    """Sorted positions of a stratified fixed-seed sample of at most ~``max_rows`` rows.

    Each class keeps its share of ``max_rows`` but at least ``min(its count, floor)`` rows. Returns the
    positions and the sampling rates of the negatives and the positives.
    """
    n = len(y)
    if n <= max_rows:
        return np.arange(n), 1.0, 1.0
    rng = np.random.default_rng(seed)
    parts, rates = [], []
    for cls in (0, 1):
        idx = np.flatnonzero(y == cls)
        k = min(len(idx), max(round(max_rows * len(idx) / n), floor))
        parts.append(rng.choice(idx, size=k, replace=False))
        rates.append(k / len(idx))
    return np.sort(np.concatenate(parts)), rates[0], rates[1]


def _logistic(c: float, seed: int) -> LogisticRegression:
    return LogisticRegression(C=c, l1_ratio=0.0, solver="lbfgs", max_iter=1000, random_state=seed)


def _l1_logistic(c: float, seed: int) -> LogisticRegression:
    return LogisticRegression(C=c, l1_ratio=1.0, solver="liblinear", max_iter=1000, random_state=seed)


def _hgb(params: dict[str, Any], seed: int) -> HistGradientBoostingClassifier:
    return HistGradientBoostingClassifier(**params, early_stopping=False, random_state=seed)


def _cross_validate(
    make: Callable[[], Any], z: np.ndarray, y: np.ndarray, folds: Sequence[tuple[np.ndarray, np.ndarray]]
) -> _CvResult:
    """Fold ROC AUCs and OOF ``decision_function`` values of a fresh ``make()`` per fold."""
    oof = np.zeros(len(y), dtype=np.float64)
    aucs = []
    for train_idx, test_idx in folds:
        model = make().fit(z[train_idx], y[train_idx])
        oof[test_idx] = model.decision_function(z[test_idx])
        aucs.append(roc_auc_score(y[test_idx], oof[test_idx]))
    return _CvResult(aucs=np.array(aucs, dtype=np.float64), oof=oof)


def _folds(y: np.ndarray, cv_folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    k = int(min(cv_folds, np.sum(y == 1), np.sum(y == 0)))
    if k < 2:
        raise ValueError(f"cannot cross-validate: a class has fewer than 2 rows (cv_folds={cv_folds})")
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(y)), y))


def _select_features(
    z: np.ndarray, y: np.ndarray, folds: Sequence[tuple[np.ndarray, np.ndarray]], seed: int
) -> tuple[float, np.ndarray, np.ndarray, bool]:
    """L1 selection with the one-standard-error rule: (C, L1 coefficients, kept mask, all_zero)."""
    grid = [1.0 / (penalty * len(y)) for penalty in L1_PENALTY_GRID]  # increasing C
    results = [_cross_validate(lambda c=c: _l1_logistic(c, seed), z, y, folds) for c in grid]
    means = np.array([r.mean for r in results])
    best = int(np.argmax(means))
    bar = means[best] - results[best].std / math.sqrt(len(folds))
    chosen_c = grid[int(np.flatnonzero(means >= bar)[0])]
    coef = _l1_logistic(chosen_c, seed).fit(z, y).coef_.ravel().astype(np.float64)
    kept = coef != 0.0
    all_zero = not kept.any()
    if all_zero:
        kept = np.ones_like(kept)
    return chosen_c, coef, kept, all_zero


def _coefficient_rows(params: pd.DataFrame, kept: np.ndarray) -> np.ndarray:
    """Positions listed in the coefficients table: the kept columns, plus (coefficient 0) the sibling
    one-hot columns of a kept ``<name>=__other__`` column, which SQL needs to know what "other" means."""
    listed = kept.copy()
    is_one_hot = (params["transform"] == "one_hot").to_numpy()
    is_other = is_one_hot & (params["category"] == OTHER_CATEGORY).fillna(False).to_numpy()
    for source in params.loc[kept & is_other, "source_feature"]:
        listed |= is_one_hot & (params["source_feature"] == source).to_numpy()
    return np.flatnonzero(listed)


def _guardrail_message(
    model_name: str, label_column: str, positives: int, negatives: int, minimum: int
) -> str:
    return (
        f"model '{model_name}': the training set has {positives} positive and {negatives} negative "
        f"'{label_column}' labels; at least min_class_count={minimum} of each are needed. Lower the dbt "
        f"var scoring_min_class_count (the min_class_count argument) or provide more labelled rows."
    )


def _skipped(
    model_name: str, model_version: str, rows: int, positives: int, reason: str, id_column: str, id_dtype: Any
) -> ScoringResult:
    """The result of a skipped model: empty frames with their schema, one metrics row saying why."""
    metrics = _typed_frame(
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
        scores=_typed_frame({id_column: id_dtype, **SCORES_SCHEMA}),
        metrics=metrics,
        candidates=_typed_frame(CANDIDATES_SCHEMA),
        feature_selection=_typed_frame(FEATURE_SELECTION_SCHEMA),
        coefficients=_typed_frame(COEFFICIENTS_SCHEMA),
        profit_curve=_typed_frame(PROFIT_CURVE_SCHEMA),
        is_skipped=True,
        skip_reason=reason,
    )


def _labels(train: pd.DataFrame, label_column: str) -> np.ndarray:
    """The 0/1 labels as int64; raises ValueError on nulls or other values."""
    if label_column not in train.columns:
        raise ValueError(f"label column '{label_column}' is not in the training frame")
    label = train[label_column]
    if label.isna().any():
        raise ValueError(f"label column '{label_column}' has {int(label.isna().sum())} null(s)")
    values = label.astype("float64").to_numpy()
    if not np.isin(values, (0.0, 1.0)).all():
        raise ValueError(f"label column '{label_column}' must be 0/1 (or boolean)")
    return values.astype(np.int64)


def _reasons(terms: np.ndarray, kept_sources: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Top-3 source features by positive summed contribution (ties by name); None below 3 positives."""
    n = terms.shape[0]
    names = sorted(set(kept_sources))
    membership = np.zeros((len(kept_sources), len(names)), dtype=np.float64)
    for j, source in enumerate(kept_sources):
        membership[j, names.index(source)] = 1.0
    by_source = terms @ membership
    order = np.argsort(-by_source, axis=1, kind="stable")[:, :N_REASONS]
    values = np.take_along_axis(by_source, order, axis=1)
    labels = np.array(names, dtype=object)[order]
    labels[values <= 0.0] = None
    out = [labels[:, i] if i < labels.shape[1] else np.full(n, None, dtype=object) for i in range(N_REASONS)]
    return out[0], out[1], out[2]


# ------------------------------------------------------------------------------------------------- public


def fit_and_score(
    train: pd.DataFrame,
    label_column: str,
    to_score: pd.DataFrame,
    features: list[FeatureSpec],
    *,
    id_column: str,
    model_name: str,
    model_version: str,
    economics: Economics,
    seed: int = 42,
    min_class_count: int = 50,
    strict: bool = False,
    cv_folds: int = 5,
    max_train_rows: int = 200_000,
) -> ScoringResult:
    """Train a calibrated conversion model on ``train`` (0/1 ``label_column``) and score ``to_score``.

    Returns every table of the model (see ``ScoringResult`` and the module docstring). ``to_score`` must
    have a unique, non-null ``id_column``; ``train`` is ordered by it when it has the column. Raises
    ``ValueError`` on bad inputs, and on too few positives or negatives when ``strict`` (otherwise warns
    and returns a skipped result).
    """
    if id_column not in to_score.columns:
        raise ValueError(f"id column '{id_column}' is not in the frame to score")
    ids = to_score[id_column]
    if ids.isna().any() or ids.duplicated().any():
        raise ValueError(f"id column '{id_column}' of the frame to score must be unique and non-null")
    if id_column in train.columns:
        train = train.sort_values(id_column, kind="mergesort")
    train = train.reset_index(drop=True)
    y_all = _labels(train, label_column)
    positives = int(y_all.sum())
    negatives = int(len(y_all) - positives)
    if min(positives, negatives) < min_class_count:
        message = _guardrail_message(model_name, label_column, positives, negatives, min_class_count)
        if strict:
            raise ValueError(message)
        warnings.warn(message, stacklevel=2)
        return _skipped(model_name, model_version, len(train), positives, message, id_column, ids.dtype)

    with threadpool_limits(limits=1):  # n_jobs=1: OpenMP (boosting) and BLAS on one thread
        return _fit_and_score(
            train,
            y_all,
            to_score,
            features,
            id_column=id_column,
            model_name=model_name,
            model_version=model_version,
            economics=economics,
            seed=seed,
            min_class_count=min_class_count,
            cv_folds=cv_folds,
            max_train_rows=max_train_rows,
        )


def _fit_and_score(
    train: pd.DataFrame,
    y_all: np.ndarray,
    to_score: pd.DataFrame,
    features: list[FeatureSpec],
    *,
    id_column: str,
    model_name: str,
    model_version: str,
    economics: Economics,
    seed: int,
    min_class_count: int,
    cv_folds: int,
    max_train_rows: int,
) -> ScoringResult:
    """``fit_and_score`` after validation and the guardrail: ``train`` is in id order, ``y_all`` its labels."""
    positives = int(y_all.sum())
    prep = fit_preprocessor(train, features)
    params = prep.params.sort_values("position", kind="mergesort").reset_index(drop=True)
    n_out = len(params)
    if n_out == 0:
        raise ValueError(f"model '{model_name}': preprocessing produced no feature column")
    floor = max(min_class_count, cv_folds)

    # samples: fit sample (<= max_train_rows) and search sample (<= SEARCH_ROWS) inside it
    fit_idx, rate_neg, rate_pos = _stratified_sample(y_all, max_train_rows, seed, floor)
    prior_shift = math.log(rate_neg / rate_pos)
    z_fit = prep.transform(train.iloc[fit_idx])
    y_fit = y_all[fit_idx]
    search_idx, _, _ = _stratified_sample(y_fit, min(SEARCH_ROWS, max_train_rows), seed, floor)
    same_sample = len(search_idx) == len(y_fit)
    z_search, y_search = z_fit[search_idx], y_fit[search_idx]
    folds = _folds(y_search, cv_folds, seed)

    # feature selection
    l1_c, l1_coef, kept, all_zero = _select_features(z_search, y_search, folds, seed)
    kept_pos = np.flatnonzero(kept)

    # candidates
    configs: list[tuple[str, dict[str, Any], Callable[[], Any], np.ndarray]] = [
        (LOGISTIC, {"C": c}, lambda c=c: _logistic(c, seed), kept_pos) for c in LOGISTIC_C_GRID
    ] + [(HGB, dict(p), lambda p=p: _hgb(p, seed), np.arange(n_out)) for p in HGB_GRID]
    cv = [_cross_validate(make, z_search[:, cols], y_search, folds) for _, _, make, cols in configs]
    means = np.array([r.mean for r in cv])
    chosen = int(np.argmax(means))
    best_logistic = int(np.argmax(means[: len(LOGISTIC_C_GRID)]))

    # refit on the fit sample, calibrated on OOF decision values of the fit sample
    fit_folds = folds if same_sample else _folds(y_fit, cv_folds, seed)

    def oof_for(index: int) -> np.ndarray:
        if same_sample:
            return cv[index].oof
        _, _, make, cols = configs[index]
        return _cross_validate(make, z_fit[:, cols], y_fit, fit_folds).oof

    _, _, make_logistic, _ = configs[best_logistic]
    logistic_oof = oof_for(best_logistic)
    a_log, b_log = fit_platt(logistic_oof, y_fit)
    logistic_model = make_logistic().fit(z_fit[:, kept_pos], y_fit)
    coef, intercept = platt_fold(
        logistic_model.coef_.ravel(), float(logistic_model.intercept_[0]), a_log, b_log + prior_shift
    )
    if configs[chosen][0] == LOGISTIC:
        oof_prob = sigmoid(a_log * logistic_oof + b_log + prior_shift)
        hgb_model, a_h, b_h = None, 0.0, 0.0
    else:
        _, _, make_hgb, _ = configs[chosen]
        hgb_oof = oof_for(chosen)
        a_h, b_h = fit_platt(hgb_oof, y_fit)
        b_h += prior_shift
        hgb_model = make_hgb().fit(z_fit, y_fit)
        oof_prob = sigmoid(a_h * hgb_oof + b_h)

    # threshold, profit curve and OOF metrics
    curve = profit_curve_arrays(oof_prob, y_fit, economics)
    chosen_t = choose_threshold_index(curve["expected_profit"])
    threshold = float(THRESHOLDS[chosen_t])
    predicted = (oof_prob >= threshold).astype(np.int64)
    metrics = _typed_frame(
        METRICS_SCHEMA,
        {
            "model_name": [model_name],
            "model_version": [model_version],
            "chosen_estimator": [configs[chosen][0]],
            "rows": [len(train)],
            "positives": [positives],
            "cv_roc_auc_mean": [cv[chosen].mean],
            "cv_roc_auc_std": [cv[chosen].std],
            "pr_auc": [float(average_precision_score(y_fit, oof_prob))],
            "brier_score": [float(brier_score_loss(y_fit, oof_prob))],
            "log_loss": [float(log_loss(y_fit, oof_prob, labels=[0, 1]))],
            "f1": [float(f1_score(y_fit, predicted, zero_division=0.0))],
            "precision": [float(precision_score(y_fit, predicted, zero_division=0.0))],
            "recall": [float(recall_score(y_fit, predicted, zero_division=0.0))],
            "top_decile_lift": [top_decile_lift(oof_prob, y_fit)],
            "threshold": [threshold],
            "is_skipped": [False],
            "skip_reason": [None],
        },
    )
    profit_curve = _typed_frame(
        PROFIT_CURVE_SCHEMA,
        {
            "model_name": [model_name] * len(THRESHOLDS),
            **curve,
            "is_chosen": np.arange(len(THRESHOLDS)) == chosen_t,
        },
    )
    candidates = _typed_frame(
        CANDIDATES_SCHEMA,
        {
            "model_name": [model_name] * len(configs),
            "estimator": [name for name, _, _, _ in configs],
            "params": [json.dumps(p, sort_keys=True) for _, p, _, _ in configs],
            "cv_roc_auc_mean": means,
            "cv_roc_auc_std": [r.std for r in cv],
            "is_chosen": np.arange(len(configs)) == chosen,
        },
    )
    if all_zero:
        reasons = [f"L1 kept no feature (C={l1_c:g}); all features kept"] * n_out
    else:
        reasons = [
            f"nonzero L1 coefficient (C={l1_c:g})" if k else f"zeroed by L1 (C={l1_c:g})" for k in kept
        ]
    feature_selection = _typed_frame(
        FEATURE_SELECTION_SCHEMA,
        {
            "model_name": [model_name] * n_out,
            "source_feature": params["source_feature"],
            "output_feature": params["output_feature"],
            "l1_coefficient": l1_coef,
            "is_kept": kept,
            "reason": reasons,
        },
    )
    kept_params = params.iloc[kept_pos].reset_index(drop=True)
    listed = _coefficient_rows(params, kept)
    full_coef = np.zeros(n_out, dtype=np.float64)
    full_coef[kept_pos] = coef
    listed_params = params.iloc[listed].reset_index(drop=True)
    coefficients = _typed_frame(
        COEFFICIENTS_SCHEMA,
        {
            "model_name": [model_name] * len(listed),
            **{c: listed_params[c] for c in COEFFICIENTS_SCHEMA if c in listed_params.columns},
            "coefficient": full_coef[listed],
            "intercept": [intercept] * len(listed),
        },
    )

    # scores
    scored = to_score.sort_values(id_column, kind="mergesort").reset_index(drop=True)
    z_score = prep.transform(scored)
    terms = logistic_terms(z_score[:, kept_pos], coef)
    logistic_probability = sigmoid(logistic_eta(z_score[:, kept_pos], coef, intercept))
    if hgb_model is None:
        probability = logistic_probability
    else:
        # scoring every row is the one step worth all cores (prediction is deterministic at any count)
        with threadpool_limits(limits=os.cpu_count() or 1):
            probability = sigmoid(a_h * hgb_model.decision_function(z_score) + b_h)
    score = score_from_probability(probability)
    reason_1, reason_2, reason_3 = _reasons(terms, list(kept_params["source_feature"]))
    scores = _typed_frame(
        {id_column: scored[id_column].dtype, **SCORES_SCHEMA},
        {
            id_column: scored[id_column],
            "probability": probability,
            "logistic_probability": logistic_probability,
            "score": score,
            "grade": grade_from_score(score),
            "decile": deciles(probability),
            "reason_1": reason_1,
            "reason_2": reason_2,
            "reason_3": reason_3,
            "model_name": [model_name] * len(scored),
            "model_version": [model_version] * len(scored),
        },
    )
    return ScoringResult(
        scores=scores,
        metrics=metrics,
        candidates=candidates,
        feature_selection=feature_selection,
        coefficients=coefficients,
        profit_curve=profit_curve,
        is_skipped=False,
        skip_reason=None,
    )
