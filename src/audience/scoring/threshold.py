"""Step 5, threshold: the profit rule on calibrated out-of-fold probabilities, and the metrics at it.

For each threshold ``t`` in ``0.00, 0.01, ..., 1.00`` the *expected* profit is
``sum over rows with p >= t of (p * value_per_conversion - cost_per_contact)`` (expected, not realised,
conversions: the probabilities are calibrated). The chosen threshold maximises it; ties go to the higher
threshold (fewer contacts for the same profit), so when no contact pays the threshold is 1.00. The
precision / recall columns of the curve and the f1, precision and recall metrics are realised on the
out-of-fold labels (0 when nobody is contacted). ``pr_auc`` is the average precision, ``top_decile_lift``
the positive rate of the top ``ceil(n / 10)`` rows by probability over the overall rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    f1_score,
    log_loss,
    precision_score,
    recall_score,
)

THRESHOLDS: np.ndarray = np.round(np.linspace(0.0, 1.0, 101), 2)
"""The 101 profit-curve thresholds 0.00, 0.01, ..., 1.00."""


@dataclass(frozen=True)
class Economics:
    """What a conversion is worth and what contacting one row costs (same currency)."""

    value_per_conversion: float
    cost_per_contact: float


@dataclass(frozen=True)
class Evaluation:
    """The profit curve, the chosen threshold and the metrics of calibrated probabilities."""

    curve: dict[str, np.ndarray]
    chosen_index: int
    threshold: float
    metrics: dict[str, float]


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
        expected = float(np.sort(p[mask]).sum())  # sorted: the same sum whatever the row order
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


def evaluate(probability: np.ndarray, y: np.ndarray, economics: Economics) -> Evaluation:
    """The profit curve of ``probability`` against ``y``, the chosen threshold and the metrics at it."""
    curve = profit_curve_arrays(probability, y, economics)
    chosen = choose_threshold_index(curve["expected_profit"])
    threshold = float(THRESHOLDS[chosen])
    predicted = (probability >= threshold).astype(np.int64)
    metrics = {
        "pr_auc": float(average_precision_score(y, probability)),
        "brier_score": float(brier_score_loss(y, probability)),
        "log_loss": float(log_loss(y, probability, labels=[0, 1])),
        "f1": float(f1_score(y, predicted, zero_division=0.0)),
        "precision": float(precision_score(y, predicted, zero_division=0.0)),
        "recall": float(recall_score(y, predicted, zero_division=0.0)),
        "top_decile_lift": top_decile_lift(probability, y),
    }
    return Evaluation(curve=curve, chosen_index=chosen, threshold=threshold, metrics=metrics)
