"""Step 1, feature selection: uninformative features out (screening), then L1 on the output columns.

Screening (:mod:`audience.screening`) leaves out features that are all null, constant or a
near-duplicate of another in the fit sample, before preprocessing; they are listed in the exclusions
table and never reach a model.

L1 selection (for the logistic model; the tree models use every output column): L1 logistic regression
(liblinear) on the fit sample for each per-row penalty of ``L1_PENALTY_GRID`` (``C = 1 / (penalty *
rows)``, so the grid means the same at any sample size), cross-validated on the shared folds; the chosen
C is the *smallest* whose mean CV ROC AUC is within one standard error of the best (the one-standard-
error rule, which favours sparse models). Output columns with a non-zero L1 coefficient are kept; if
none is, all are kept. The selection is made once on the whole fit sample, before the candidates' CV
(a small optimistic bias of the logistic CV AUC, accepted for speed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression

from audience.scoring.cv import cross_validate
from audience.scoring.sampling import Folds

L1_PENALTY_GRID: tuple[float, ...] = (0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001, 0.0005, 0.0002)
"""Per-row L1 penalties ``lambda``, strongest first; liblinear's ``C = 1 / (lambda * n_rows)``."""


@dataclass(frozen=True)
class L1Selection:
    """The chosen C, the L1 coefficients of every output column and which columns are kept."""

    c: float
    coefficients: np.ndarray
    kept: np.ndarray
    kept_none: bool

    @property
    def kept_positions(self) -> np.ndarray:
        return np.flatnonzero(self.kept)

    def reasons(self) -> list[str]:
        """Why each output column is kept or not, naming the chosen C."""
        if self.kept_none:
            return [f"L1 kept no feature (C={self.c:g}); all features kept"] * len(self.kept)
        return [
            f"nonzero L1 coefficient (C={self.c:g})" if k else f"zeroed by L1 (C={self.c:g})"
            for k in self.kept
        ]


def l1_logistic(c: float, seed: int) -> LogisticRegression:
    return LogisticRegression(C=c, l1_ratio=1.0, solver="liblinear", max_iter=1000, random_state=seed)


def select_l1(z: np.ndarray, y: np.ndarray, folds: Folds, seed: int) -> L1Selection:
    """L1 selection with the one-standard-error rule (module docstring)."""
    grid = [1.0 / (penalty * len(y)) for penalty in L1_PENALTY_GRID]  # increasing C
    results = [cross_validate(lambda _rows, c=c: l1_logistic(c, seed), z, y, folds) for c in grid]
    means = np.array([r.mean for r in results])
    best = int(np.argmax(means))
    bar = means[best] - results[best].std / math.sqrt(len(folds))
    chosen_c = grid[int(np.flatnonzero(means >= bar)[0])]
    coef = l1_logistic(chosen_c, seed).fit(z, y).coef_.ravel().astype(np.float64)
    kept = coef != 0.0
    kept_none = not kept.any()
    if kept_none:
        kept = np.ones_like(kept)
    return L1Selection(c=chosen_c, coefficients=coef, kept=kept, kept_none=kept_none)
