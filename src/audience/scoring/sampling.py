"""Labels, the stratified fit sample and the cross-validation folds of a scoring model."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

Folds = list[tuple[np.ndarray, np.ndarray]]


def labels(train: pd.DataFrame, label_column: str) -> np.ndarray:
    """The 0/1 labels as int64; raises ValueError on a missing column, nulls or other values."""
    if label_column not in train.columns:
        raise ValueError(f"label column '{label_column}' is not in the training frame")
    label = train[label_column]
    if label.isna().any():
        raise ValueError(f"label column '{label_column}' has {int(label.isna().sum())} null(s)")
    values = label.astype("float64").to_numpy()
    if not np.isin(values, (0.0, 1.0)).all():
        raise ValueError(f"label column '{label_column}' must be 0/1 (or boolean)")
    return values.astype(np.int64)


def stratified_sample(y: np.ndarray, max_rows: int, seed: int, floor: int) -> tuple[np.ndarray, float, float]:
    """Sorted positions of a stratified fixed-seed sample of at most ~``max_rows`` rows.

    Each class keeps its share of ``max_rows`` but at least ``min(its count, floor)`` rows. Returns the
    positions and the sampling rates of the negatives and the positives (1.0 and 1.0 when every row
    is kept).
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
        rates.append(k / len(idx) if len(idx) else 1.0)
    return np.sort(np.concatenate(parts)), rates[0], rates[1]


def folds(y: np.ndarray, cv_folds: int, seed: int) -> Folds:
    """Stratified ``cv_folds``-fold split (fewer when a class is smaller), shuffled with ``seed``."""
    k = int(min(cv_folds, np.sum(y == 1), np.sum(y == 0)))
    if k < 2:
        raise ValueError(f"cannot cross-validate: a class has fewer than 2 rows (cv_folds={cv_folds})")
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(y)), y))
