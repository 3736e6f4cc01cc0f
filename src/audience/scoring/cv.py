"""Cross-validation shared by the selection and search steps: fold ROC AUCs and out-of-fold decisions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

from audience.scoring.formulas import logit
from audience.scoring.sampling import Folds


@dataclass(frozen=True)
class CvResult:
    """Fold ROC AUCs and out-of-fold decision values of one configuration."""

    aucs: np.ndarray
    oof: np.ndarray

    @property
    def mean(self) -> float:
        return float(np.mean(self.aucs))

    @property
    def std(self) -> float:
        return float(np.std(self.aucs))


def decision_values(model: Any, z: np.ndarray) -> np.ndarray:
    """A fitted classifier's log-odds-like score: ``decision_function`` where it has one, else the logit
    of its positive-class probability (random forests)."""
    if hasattr(model, "decision_function"):
        return np.asarray(model.decision_function(z), dtype=np.float64)
    return logit(model.predict_proba(z)[:, 1])


def cross_validate(make: Callable[[int], Any], z: np.ndarray, y: np.ndarray, folds: Folds) -> CvResult:
    """Fold ROC AUCs and OOF decision values of a fresh ``make(training rows)`` per fold."""
    oof = np.zeros(len(y), dtype=np.float64)
    aucs = []
    for train_idx, test_idx in folds:
        model = make(len(train_idx)).fit(z[train_idx], y[train_idx])
        oof[test_idx] = decision_values(model, z[test_idx])
        aucs.append(roc_auc_score(y[test_idx], oof[test_idx]))
    return CvResult(aucs=np.array(aucs, dtype=np.float64), oof=oof)
