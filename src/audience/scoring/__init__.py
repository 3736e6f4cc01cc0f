"""Supervised lead-conversion and purchase-propensity scoring, with a SQL-reproducible logistic model.

``fit_and_score`` trains on labelled rows (0/1 label) and scores another frame. It is used by two dbt
Python models: lead conversion (B2B, id ``lead_id``) and purchase propensity (B2C, id ``customer_id``).
Its settings (:class:`ScoringSettings`) come from the caller: the dbt vars ``scoring_*`` and the shared
input vars in ``dbt_project.yml`` are the only place their values live.

Steps (all seeded by ``settings.seed``, single-threaded: OpenMP and BLAS limited to one thread):

0. **Sample** (:mod:`.sampling`): the training rows (ordered by the id column when it is present, so that
   the input row order does not matter) are reduced to one stratified, fixed-seed *fit sample* of at
   most ``max_train_rows`` rows; every later step uses it. A class is never sampled below ``min(its
   count, min_class_count)`` rows; calibration corrects the intercept by ``ln(rate_negative /
   rate_positive)`` so probabilities stay calibrated to the full training set's base rate.
1. **Select** (:mod:`.select`): uninformative features (all null, constant, near-duplicates) are left
   out and listed in ``exclusions``; the rest are preprocessed (:mod:`audience.preprocessing`, fitted
   on the fit sample: rare-level rule, imputation, log1p, scaling) and L1 picks the logistic model's
   columns.
2. **Search** (:mod:`.search`): a bounded successive-halving search per estimator family (logistic
   regression, random forest, histogram gradient boosting), all on the same stratified folds.
3. **Choose**: the family winner with the highest mean CV ROC AUC (ties: logistic first). The best
   logistic configuration is always fitted too: it is the model SQL reproduces (``logistic_probability``,
   the reasons and the ``coefficients`` table), the portable fallback when a tree model wins.
4. **Calibrate** (:mod:`.calibrate`): Platt scaling on out-of-fold decision values, folded into the
   logistic coefficients. ``z`` is computed from the coefficients table's preprocessing params exactly
   as ``audience.preprocessing`` documents; it lists the kept columns and, with coefficient 0, the sibling
   one-hot columns of a kept ``<name>=__other__`` column (SQL needs them to know what "other" is).
5. **Threshold** (:mod:`.threshold`): the expected-profit rule from the seed ``scoring_economics`` on the
   out-of-fold calibrated probabilities; the metrics (PR AUC, Brier, log loss, F1 / precision / recall
   at the threshold, top-decile lift) come from the same probabilities; ``rows`` / ``positives`` count
   the whole training frame.
6. **Tables** (:mod:`.tables`) and scores (:mod:`.formulas`): ``score = floor(100 * probability +
   0.5)``; grades A >= 50, B >= 25, C >= 10, else D; ``decile`` 1..10 over the scored rows by probability
   descending, ties by id (rank ``r`` 0-based of ``n`` -> ``floor(10 * r / n) + 1``); ``reason_1..3``
   the source features with the largest positive contributions ``coefficient * z`` (summed over a
   feature's output columns) in the calibrated logistic model, ties by name, ``None`` below three.

   ========  ==================  ================================
   grade     score               meaning (calibrated probability)
   ========  ==================  ================================
   A         50..100             more likely than not to convert
   B         25..49              at least 1 in 4
   C         10..24              at least 1 in 10
   D         0..9                below 1 in 10
   ========  ==================  ================================

Every frame is sorted deterministically (scores by id) and keeps its full column schema when empty.
Too few positives or negatives (``min_class_count``) skip the model with a warning (or raise a
``ValueError`` with ``strict``).
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from audience.features import FeatureSpec
from audience.preprocessing import PreprocessingSettings, Preprocessor, fit_preprocessor
from audience.scoring.calibrate import Platt, fit_platt, platt_fold, prior_shift
from audience.scoring.cv import decision_values
from audience.scoring.formulas import (
    GRADE_CUTS,
    LOWEST_GRADE,
    deciles,
    grade_from_score,
    logistic_eta,
    logistic_terms,
    reasons,
    score_from_probability,
    sigmoid,
)
from audience.scoring.sampling import folds, labels, stratified_sample
from audience.scoring.search import FAMILIES, HGB, LOGISTIC, RANDOM_FOREST, search_families
from audience.scoring.select import select_l1
from audience.scoring.tables import (
    CANDIDATES_SCHEMA,
    COEFFICIENTS_SCHEMA,
    FEATURE_SELECTION_SCHEMA,
    METRICS_SCHEMA,
    PROFIT_CURVE_SCHEMA,
    SCORES_SCHEMA,
    ScoringResult,
    candidates_table,
    coefficients_table,
    exclusions_table,
    feature_selection_table,
    metrics_table,
    profit_curve_table,
    skipped_result,
    typed_frame,
)
from audience.scoring.threshold import THRESHOLDS, Economics, evaluate
from audience.screening import screen_features

__all__ = [
    "CANDIDATES_SCHEMA",
    "COEFFICIENTS_SCHEMA",
    "FAMILIES",
    "FEATURE_SELECTION_SCHEMA",
    "GRADE_CUTS",
    "HGB",
    "LOGISTIC",
    "LOWEST_GRADE",
    "METRICS_SCHEMA",
    "PROFIT_CURVE_SCHEMA",
    "RANDOM_FOREST",
    "SCORES_SCHEMA",
    "THRESHOLDS",
    "Economics",
    "Scorer",
    "ScoringResult",
    "ScoringSettings",
    "fit_and_score",
    "fit_sample",
]


@dataclass(frozen=True)
class ScoringSettings:
    """Settings of a scoring fit (dbt vars ``scoring_*`` and the shared input vars)."""

    seed: int
    min_class_count: int
    strict: bool
    max_train_rows: int
    cv_folds: int
    search_iterations: int
    candidates: tuple[str, ...]
    max_abs_correlation: float
    preprocessing: PreprocessingSettings


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
    settings: ScoringSettings,
) -> ScoringResult:
    """Train a calibrated conversion model on ``train`` (0/1 ``label_column``) and score ``to_score``.

    Returns every table of the model (see ``ScoringResult`` and the module docstring). ``to_score`` must
    have a unique, non-null ``id_column``; ``train`` is ordered by it when it has the column. Raises
    ``ValueError`` on bad inputs, and on too few positives or negatives when ``settings.strict``
    (otherwise warns and returns a skipped result).
    """
    if id_column not in to_score.columns:
        raise ValueError(f"id column '{id_column}' is not in the frame to score")
    ids = to_score[id_column]
    if ids.isna().any() or ids.duplicated().any():
        raise ValueError(f"id column '{id_column}' of the frame to score must be unique and non-null")
    if id_column in train.columns:
        train = train.sort_values(id_column, kind="mergesort")
    train = train.reset_index(drop=True)
    y_all = labels(train, label_column)
    positives = int(y_all.sum())
    negatives = int(len(y_all) - positives)
    if min(positives, negatives) < settings.min_class_count:
        message = _guardrail_message(model_name, label_column, positives, negatives, settings.min_class_count)
        if settings.strict:
            raise ValueError(message)
        warnings.warn(message, stacklevel=2)
        return skipped_result(model_name, model_version, len(train), positives, message, id_column, ids.dtype)

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
            settings=settings,
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
    settings: ScoringSettings,
) -> ScoringResult:
    """``fit_and_score`` after validation and the guardrail: ``train`` is in id order, ``y_all`` its labels."""
    seed, cv_folds = settings.seed, settings.cv_folds

    # 0. the fit sample
    fit_idx, rate_neg, rate_pos = fit_sample(y_all, settings)
    shift = prior_shift(rate_neg, rate_pos)
    sample = train.iloc[fit_idx].reset_index(drop=True)
    y = y_all[fit_idx]
    shared_folds = folds(y, cv_folds, seed)

    # 1. select: screening, preprocessing, L1
    screened = screen_features(
        sample,
        features,
        model_name=model_name,
        max_abs_correlation=settings.max_abs_correlation,
        category_rule=settings.preprocessing.category_rule,
    )
    prep = fit_preprocessor(sample, screened.kept, settings.preprocessing, seed=seed)
    params = prep.params.sort_values("position", kind="mergesort").reset_index(drop=True)
    z = prep.transform(sample)
    selection = select_l1(z, y, shared_folds, seed)
    kept_pos = selection.kept_positions

    # 2-3. search every family, choose
    searched = search_families(
        z,
        y,
        shared_folds,
        logistic_columns=kept_pos,
        families=settings.candidates,
        iterations=settings.search_iterations,
        seed=seed,
        cv_folds=cv_folds,
    )

    # 4. calibrate: the logistic model always (SQL), the chosen tree model when one wins
    logistic_oof = searched.winners[LOGISTIC].cv.oof
    platt_logistic = fit_platt(logistic_oof, y).shifted(shift)
    logistic_model = searched.make(LOGISTIC, seed)(len(y)).fit(z[:, kept_pos], y)
    coef, intercept = platt_fold(
        logistic_model.coef_.ravel(), float(logistic_model.intercept_[0]), platt_logistic.a, platt_logistic.b
    )
    tree_model, platt_tree = None, None
    if searched.chosen == LOGISTIC:
        oof_probability = platt_logistic.probability(logistic_oof)
    else:
        chosen_oof = searched.winners[searched.chosen].cv.oof
        platt_tree = fit_platt(chosen_oof, y).shifted(shift)
        tree_model = searched.make(searched.chosen, seed)(len(y)).fit(z, y)
        oof_probability = platt_tree.probability(chosen_oof)

    # 5. threshold and metrics on the out-of-fold calibrated probabilities
    evaluation = evaluate(oof_probability, y, economics)

    # 6. scores and tables
    scorer = Scorer(
        preprocessor=prep,
        kept_positions=kept_pos,
        coefficients=coef,
        intercept=intercept,
        kept_sources=list(params.iloc[kept_pos]["source_feature"]),
        tree_model=tree_model,
        platt_tree=platt_tree,
    )
    scores = scorer.score(to_score, id_column=id_column, model_name=model_name, model_version=model_version)
    return ScoringResult(
        scores=scores,
        metrics=metrics_table(
            model_name=model_name,
            model_version=model_version,
            rows=len(train),
            positives=int(y_all.sum()),
            searched=searched,
            evaluation=evaluation,
        ),
        candidates=candidates_table(model_name, searched),
        feature_selection=feature_selection_table(model_name, params, selection),
        coefficients=coefficients_table(model_name, params, selection.kept, coef, intercept),
        profit_curve=profit_curve_table(model_name, evaluation),
        exclusions=exclusions_table(screened.exclusions),
        is_skipped=False,
        skip_reason=None,
        scorer=scorer,
    )


@dataclass
class Scorer:
    """What scoring a row needs from a fit: the preprocessor, the calibrated logistic model (the
    ``coefficients`` table) and, when a tree family won, the tree model with its Platt calibration.
    Step 6 of a fit, and a later build that reuses the stored fit, score with it."""

    preprocessor: Preprocessor
    kept_positions: np.ndarray
    coefficients: np.ndarray
    intercept: float
    kept_sources: list[str]
    tree_model: object | None = None
    platt_tree: Platt | None = None

    def score(
        self, to_score: pd.DataFrame, *, id_column: str, model_name: str, model_version: str
    ) -> pd.DataFrame:
        """The scores table (``SCORES_SCHEMA``) of every row of ``to_score``, in id order."""
        scored = to_score.sort_values(id_column, kind="mergesort").reset_index(drop=True)
        z_all = self.preprocessor.transform(scored)
        z_score = z_all[:, self.kept_positions]
        terms = logistic_terms(z_score, self.coefficients)
        logistic_probability = sigmoid(logistic_eta(z_score, self.coefficients, self.intercept))
        if self.tree_model is None:
            probability = logistic_probability
        else:
            # scoring every row is the one step worth all cores (tree predictions do not depend on threads)
            with threadpool_limits(limits=os.cpu_count() or 1):
                probability = self.platt_tree.probability(decision_values(self.tree_model, z_all))
        score = score_from_probability(probability)
        reason_1, reason_2, reason_3 = reasons(terms, self.kept_sources)
        return typed_frame(
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


def fit_sample(y: np.ndarray, settings: ScoringSettings) -> tuple[np.ndarray, float, float]:
    """Step 0: the positions of the fit sample among training rows in id order with labels ``y``, and the
    sampling rates of the negatives and positives (see :func:`.sampling.stratified_sample`)."""
    floor = max(settings.min_class_count, settings.cv_folds)
    return stratified_sample(y, settings.max_train_rows, settings.seed, floor)


def _guardrail_message(
    model_name: str, label_column: str, positives: int, negatives: int, minimum: int
) -> str:
    return (
        f"model '{model_name}': the training set has {positives} positive and {negatives} negative "
        f"'{label_column}' labels; at least min_class_count={minimum} of each are needed. Lower the dbt "
        f"var scoring_min_class_count (the min_class_count setting) or provide more labelled rows."
    )
