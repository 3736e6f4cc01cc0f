"""The formulas every scoring output shares, each written once: logistic function and terms, the
0-100 score, grades, deciles and reason codes (the SQL scorers follow the same definitions)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.special import expit

GRADE_CUTS: tuple[tuple[str, int], ...] = (("A", 50), ("B", 25), ("C", 10))
"""Lowest score of grades A, B and C; any lower score is grade D."""
LOWEST_GRADE = "D"
N_REASONS = 3


def sigmoid(eta: np.ndarray) -> np.ndarray:
    """The logistic function ``1 / (1 + exp(-eta))`` as float64, without overflow."""
    return expit(np.asarray(eta, dtype=np.float64))


def logit(probability: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """``ln(p / (1 - p))`` of probabilities clipped to ``[eps, 1 - eps]`` (finite for 0 and 1)."""
    p = np.clip(np.asarray(probability, dtype=np.float64), eps, 1.0 - eps)
    return np.log(p) - np.log1p(-p)


def logistic_terms(z: np.ndarray, coefficients: np.ndarray) -> np.ndarray:
    """Per-column contributions ``coefficient * z`` of a logistic model, shape ``(n, k)``."""
    return np.asarray(z, dtype=np.float64) * np.asarray(coefficients, dtype=np.float64)


def logistic_eta(z: np.ndarray, coefficients: np.ndarray, intercept: float) -> np.ndarray:
    """The linear predictor ``intercept + sum(coefficient * z)`` of a logistic model, shape ``(n,)``."""
    return float(intercept) + logistic_terms(z, coefficients).sum(axis=1)


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


def reasons(terms: np.ndarray, kept_sources: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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
