"""The explicit multi-criteria (weighted) score: a transparent alternative to the learned scores.

``weighted_score`` combines criteria columns with analyst-chosen weights:

``weighted_score = sum_i weight_i * normalised_i`` where, for each criterion (nulls ignored when the
statistics are computed):

- ``min_max``: ``(x - min) / (max - min)`` in [0, 1]; direction -1 flips it to ``1 - that``;
- ``z_score``: ``(x - mean) / std`` (population std, ddof=0); direction -1 negates it;
- a constant column (``max == min`` or ``std == 0``) carries no information and normalises to 0 whatever
  the direction;
- a null value becomes 0 *after* normalisation and direction: the worst value of a min-max criterion,
  the mean of a z-score criterion (a missing value never earns points).

Weights are non-negative and sum to 1 (within 1e-9): with only min-max criteria the score is in [0, 1]
and ``weighted_score_0_100`` is it times 100; with any z-score criterion there is no fixed range and
``weighted_score_0_100`` is null (the column is always there, so the table schema never changes).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

WEIGHT_COLUMNS = ("feature", "weight", "normalisation", "direction")
NORMALISATIONS = ("min_max", "z_score")
WEIGHT_SUM_TOLERANCE = 1e-9


def validate_weights(weights: pd.DataFrame, frame_columns: pd.Index | list[str]) -> None:
    """Raise ``ValueError`` unless ``weights`` is a valid weight table for a frame with ``frame_columns``.

    Checks: the four columns, one row per feature, features present, non-negative finite weights summing
    to 1 within ``WEIGHT_SUM_TOLERANCE`` (the message names the sum), normalisation in ``NORMALISATIONS``
    and direction 1 or -1.
    """
    missing = [c for c in WEIGHT_COLUMNS if c not in weights.columns]
    if missing:
        raise ValueError(f"weights table is missing column(s) {missing}; expected {list(WEIGHT_COLUMNS)}")
    if weights.empty:
        raise ValueError("weights table is empty")
    duplicated = sorted(set(weights.loc[weights["feature"].duplicated(), "feature"]))
    if duplicated:
        raise ValueError(f"weights table lists feature(s) {duplicated} more than once")
    absent = [f for f in weights["feature"] if f not in set(frame_columns)]
    if absent:
        raise ValueError(f"weighted features {absent} are not columns of the frame")
    w = pd.to_numeric(weights["weight"], errors="coerce").to_numpy(dtype=np.float64)
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("weights must be finite and non-negative (use direction -1 to reverse a criterion)")
    total = float(w.sum())
    if abs(total - 1.0) > WEIGHT_SUM_TOLERANCE:
        raise ValueError(f"weights must sum to 1 (within {WEIGHT_SUM_TOLERANCE:g}); they sum to {total!r}")
    bad_norm = sorted(set(weights["normalisation"]) - set(NORMALISATIONS))
    if bad_norm:
        raise ValueError(f"unknown normalisation(s) {bad_norm}; use one of {list(NORMALISATIONS)}")
    bad_dir = sorted({d for d in weights["direction"] if d not in (1, -1)})
    if bad_dir:
        raise ValueError(f"direction must be 1 or -1, got {bad_dir}")


def normalise(values: pd.Series, normalisation: str, direction: int) -> np.ndarray:
    """One criterion normalised, direction applied, constant -> 0 and nulls -> 0 (see module doc)."""
    x = pd.to_numeric(values, errors="raise").astype("float64").to_numpy(dtype=np.float64, na_value=np.nan)
    present = x[~np.isnan(x)]
    if normalisation == "min_max":
        lo, hi = (present.min(), present.max()) if present.size else (0.0, 0.0)
        if hi == lo:
            return np.zeros_like(x)
        out = (x - lo) / (hi - lo)
        if direction == -1:
            out = 1.0 - out
    elif normalisation == "z_score":
        mean, std = (present.mean(), present.std()) if present.size else (0.0, 0.0)
        if std == 0:
            return np.zeros_like(x)
        out = (x - mean) / std * direction
    else:
        raise ValueError(f"unknown normalisation '{normalisation}'; use one of {list(NORMALISATIONS)}")
    return np.where(np.isnan(out), 0.0, out)


def weighted_score(frame: pd.DataFrame, weights: pd.DataFrame, *, id_column: str) -> pd.DataFrame:
    """The weighted multi-criteria score of every row of ``frame``, sorted by ``id_column``.

    Returns ``<id_column>``, ``weighted_score`` (float64) and ``weighted_score_0_100`` (100 times the
    score when every criterion is min-max, else null). Raises ``ValueError`` on an invalid weight table
    (see ``validate_weights``) or a missing id column.
    """
    if id_column not in frame.columns:
        raise ValueError(f"id column '{id_column}' is not in the frame")
    validate_weights(weights, frame.columns)
    ordered = frame.sort_values(id_column, kind="mergesort").reset_index(drop=True)
    total = np.zeros(len(ordered), dtype=np.float64)
    for row in weights.itertuples(index=False):
        total += float(row.weight) * normalise(ordered[row.feature], row.normalisation, int(row.direction))
    all_min_max = bool((weights["normalisation"] == "min_max").all())
    scaled = 100.0 * total if all_min_max else np.full(len(ordered), np.nan)
    return pd.DataFrame(
        {
            id_column: ordered[id_column].to_numpy(),
            "weighted_score": pd.Series(total, dtype="float64"),
            "weighted_score_0_100": pd.Series(scaled, dtype="float64"),
        }
    ).astype({id_column: ordered[id_column].dtype})
