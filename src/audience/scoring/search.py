"""Steps 2-3, candidates and search: a bounded hyper-parameter search per estimator family, then the
family winners compared by stratified cross-validated ROC AUC.

Families (the dbt var ``scoring_candidates`` chooses among them; the logistic regression is always one,
because SQL scores with it): ``logistic_regression`` (L2, on the L1-kept columns), ``random_forest`` and
``hist_gradient_boosting`` (both on every output column). Their search spaces are ``SPACES``.

Search, per family: ``iterations`` configurations (the dbt var ``scoring_search_iterations``) are drawn
from the family's space by ``sklearn.model_selection.ParameterSampler`` (seed ``seed + family index``;
float values rounded to 4 significant digits, so the table shows what ran), then **successive halving**
(Jamieson & Talwalkar 2016, the rule of scikit-learn's ``HalvingRandomSearchCV``) with factor 3: round
``r`` of ``R`` (``R`` = the rounds needed to get down to one configuration) cross-validates the surviving
configurations on a stratified subsample of ``n / 3^(R - 1 - r)`` rows of the fit sample (at least
``MIN_ROUND_ROWS``), and the best third (rounded up; ties: the earlier drawn) go on. The last round is
the whole fit sample with the folds every family shares, so the family winners' CV ROC AUCs are
comparable and their out-of-fold decision values feed calibration.

Budget: with 6 iterations (rounds of 6, 2 and 1 configurations on n/9, n/3 and n rows) each family
costs about ``cv_folds x 2.3`` full-sample fits, instead of ``cv_folds x 6`` for a plain randomized
search; the fit sample is at most ``scoring_max_train_rows`` rows. Trees are bounded (at most 100
boosting iterations of at most 31 leaves; 50 forest trees of depth <= 14, each grown on at most 3,000
rows) so that both the search and scoring 1M rows stay short. Measured (CPU seconds, one thread, fit
sample of 20,000 rows, 60 output columns): logistic with L1 selection ~5, forest ~12, boosting ~15 per
model.
Everything is single-threaded (``n_jobs=1``) and seeded: the same inputs give the same choice.

Choice: the family winner with the highest mean CV ROC AUC on the shared folds; ties go to the earlier
family (logistic first: it is the one SQL can score).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.stats import loguniform
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import ParameterSampler

from audience.scoring.cv import CvResult, cross_validate
from audience.scoring.sampling import Folds, folds, stratified_sample

LOGISTIC = "logistic_regression"
RANDOM_FOREST = "random_forest"
HGB = "hist_gradient_boosting"
FAMILIES: tuple[str, ...] = (LOGISTIC, RANDOM_FOREST, HGB)
HALVING_FACTOR = 3
MIN_ROUND_ROWS = 1_000
SPACES: dict[str, dict[str, Any]] = {
    LOGISTIC: {"C": loguniform(1e-3, 1e2)},
    RANDOM_FOREST: {
        "n_estimators": [50],
        "max_depth": [6, 10, 14],
        "min_samples_leaf": [5, 10, 20, 50],
        "max_features": ["sqrt", 0.2],
        "max_samples": [1000, 3000],
    },
    HGB: {
        "learning_rate": loguniform(0.03, 0.3),
        "max_iter": [50, 100],
        "max_leaf_nodes": [7, 15, 31],
        "min_samples_leaf": [10, 20, 50, 100],
        "l2_regularization": loguniform(1e-3, 10.0),
    },
}
"""The search space of each family (lists: drawn uniformly; ``loguniform``: log-uniform). A forest's
``max_samples`` is the number of bootstrap rows each tree is grown on (all training rows when fewer),
which bounds its cost whatever the sample size."""


@dataclass(frozen=True)
class Candidate:
    """One drawn configuration and its CV result in the last round it took part in."""

    family: str
    params: dict[str, Any]
    search_round: int
    rows: int
    cv: CvResult

    @property
    def params_json(self) -> str:
        return json.dumps(self.params, sort_keys=True)


@dataclass
class SearchResult:
    """Every candidate, each family's winner (CV on the whole fit sample) and the chosen family."""

    candidates: list[Candidate]
    winners: dict[str, Candidate]
    chosen: str
    columns: dict[str, np.ndarray] = field(default_factory=dict)

    def make(self, family: str, seed: int) -> Callable[[int], Any]:
        """A factory of the family winner's estimator, given the number of training rows."""
        params = self.winners[family].params
        return lambda rows: make_estimator(family, params, seed, rows)


def make_estimator(family: str, params: dict[str, Any], seed: int, rows: int) -> Any:
    """A fresh, single-threaded, seeded estimator of ``family`` with ``params``, to be fitted on ``rows``
    rows."""
    if family == LOGISTIC:
        return LogisticRegression(**params, l1_ratio=0.0, solver="lbfgs", max_iter=1000, random_state=seed)
    if family == RANDOM_FOREST:
        bounded = {**params, "max_samples": min(int(params["max_samples"]), rows)}
        return RandomForestClassifier(**bounded, n_jobs=1, random_state=seed)
    if family == HGB:
        return HistGradientBoostingClassifier(**params, early_stopping=False, random_state=seed)
    raise ValueError(f"unknown estimator family {family!r}; use one of {FAMILIES}")


def sample_configurations(family: str, iterations: int, seed: int) -> list[dict[str, Any]]:
    """``iterations`` configurations of ``family`` drawn from ``SPACES`` (module docstring)."""
    index = FAMILIES.index(family)
    drawn = ParameterSampler(SPACES[family], n_iter=iterations, random_state=seed + index)
    return [{k: _rounded(v) for k, v in sorted(params.items())} for params in drawn]


def validate_families(families: Sequence[str]) -> tuple[str, ...]:
    """The families in ``FAMILIES`` order; raises unless they are known and include the logistic one."""
    unknown = sorted(set(families) - set(FAMILIES))
    if unknown:
        raise ValueError(f"unknown scoring candidate(s) {unknown}; use some of {list(FAMILIES)}")
    if LOGISTIC not in families:
        raise ValueError(f"scoring candidates must include {LOGISTIC}: it is the SQL-scorable model")
    return tuple(f for f in FAMILIES if f in families)


def successive_halving(
    family: str,
    configurations: list[dict[str, Any]],
    z: np.ndarray,
    y: np.ndarray,
    shared_folds: Folds,
    *,
    seed: int,
    cv_folds: int,
) -> tuple[list[Candidate], Candidate]:
    """Every configuration's result in its last round, and the winner (module docstring)."""
    n = len(y)
    rounds = 1
    alive_count = len(configurations)
    while alive_count > 1:
        alive_count = math.ceil(alive_count / HALVING_FACTOR)
        rounds += 1
    alive = list(range(len(configurations)))
    last: dict[int, Candidate] = {}
    for r in range(rounds):
        final = r == rounds - 1 or len(alive) == 1
        if final:
            rows, round_folds = np.arange(n), shared_folds
        else:
            size = max(math.ceil(n / HALVING_FACTOR ** (rounds - 1 - r)), min(n, MIN_ROUND_ROWS))
            rows, _, _ = stratified_sample(y, size, seed + r, 2 * cv_folds)
            round_folds = folds(y[rows], cv_folds, seed)
        results = {
            i: cross_validate(
                lambda n, i=i: make_estimator(family, configurations[i], seed, n),
                z[rows],
                y[rows],
                round_folds,
            )
            for i in alive
        }
        for i, cv in results.items():
            last[i] = Candidate(family, configurations[i], r, len(rows), cv)
        if final:
            winner = max(alive, key=lambda i: (results[i].mean, -i))
            return [last[i] for i in range(len(configurations))], last[winner]
        ranked = sorted(alive, key=lambda i: (-results[i].mean, i))
        alive = sorted(ranked[: math.ceil(len(alive) / HALVING_FACTOR)])
    raise AssertionError("unreachable: the last round returns")


def search_families(
    z: np.ndarray,
    y: np.ndarray,
    shared_folds: Folds,
    *,
    logistic_columns: np.ndarray,
    families: Sequence[str],
    iterations: int,
    seed: int,
    cv_folds: int,
) -> SearchResult:
    """Search every family and choose among the winners (module docstring)."""
    if iterations < 1:
        raise ValueError(f"search iterations must be >= 1, got {iterations}")
    columns = {
        f: (logistic_columns if f == LOGISTIC else np.arange(z.shape[1])) for f in validate_families(families)
    }
    candidates: list[Candidate] = []
    winners: dict[str, Candidate] = {}
    for family, cols in columns.items():
        drawn = sample_configurations(family, iterations, seed)
        tried, winner = successive_halving(
            family, drawn, z[:, cols], y, shared_folds, seed=seed, cv_folds=cv_folds
        )
        candidates += tried
        winners[family] = winner
    order = list(columns)
    chosen = max(order, key=lambda f: (winners[f].cv.mean, -order.index(f)))
    return SearchResult(candidates=candidates, winners=winners, chosen=chosen, columns=columns)


def _rounded(value: Any) -> Any:
    """Floats to 4 significant digits (as Python floats); numpy integers to int; others unchanged."""
    if isinstance(value, float | np.floating) and not isinstance(value, bool):
        return float(f"{float(value):.4g}")
    if isinstance(value, np.integer):
        return int(value)
    return value
