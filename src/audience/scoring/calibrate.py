"""Step 4, calibration: Platt scaling on out-of-fold decision values, folded into a logistic model.

Platt (sigmoid) scaling ``p = sigmoid(a * f + b)`` is fitted on the out-of-fold (OOF) decision values
``f`` of the fit sample, then the configuration is refitted on the whole fit sample (like
``CalibratedClassifierCV(method="sigmoid", ensemble=False)``). For the logistic model, ``a`` and ``b``
are folded into the coefficients (``coefficient = a * w``, ``intercept = a * w0 + b``), so SQL scores
with one linear predictor. When the training rows were subsampled per class, ``b`` is shifted by
``ln(rate_negative / rate_positive)`` so that probabilities match the full training set's base rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from audience.scoring.formulas import sigmoid


@dataclass(frozen=True)
class Platt:
    """``p = sigmoid(a * decision + b)``."""

    a: float
    b: float

    def probability(self, decision: np.ndarray) -> np.ndarray:
        return sigmoid(self.a * np.asarray(decision, dtype=np.float64) + self.b)

    def shifted(self, shift: float) -> Platt:
        """The same scaling with ``shift`` added to the intercept (the sampling prior correction)."""
        return Platt(self.a, self.b + shift)


def prior_shift(rate_negative: float, rate_positive: float) -> float:
    """``ln(rate_negative / rate_positive)``: what per-class sampling did to the log-odds, undone."""
    return math.log(rate_negative / rate_positive)


def platt_fold(coefficients: np.ndarray, intercept: float, a: float, b: float) -> tuple[np.ndarray, float]:
    """Fold Platt scaling ``sigmoid(a * eta + b)`` into a logistic model: new (coefficients, intercept)."""
    return a * np.asarray(coefficients, dtype=np.float64), a * float(intercept) + b


def fit_platt(decision: np.ndarray, y: np.ndarray, *, max_iter: int = 100) -> Platt:
    """Platt scaling maximising the likelihood of ``y`` under ``sigmoid(a * decision + b)``.

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
    return Platt(float(a), float(b))
