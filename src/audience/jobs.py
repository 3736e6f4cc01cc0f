"""What the dbt Python models call: read relations, fit once per build, hand back plain frames.

A dbt Python model stays thin (read refs and config, call one function here, return a frame). Several
output tables come from one fit (segments, centroids, scaler parameters ...), so a fit is cached in
the dbt process, keyed by a content fingerprint of its inputs and its settings: the first output
model of a build fits, the others reuse the result, and a rebuild on the same data gives the same
tables. Nothing here reads files or the network; relations come from dbt, settings from YAML config.

Retraining cadence (:mod:`audience.cadence`): the first output model of a build decides, from the fit
stored in ``<the model's schema>.model_store``, whether to train (and store the new fit) or to reuse
the stored fit: then the rows are assigned and scored with the stored model (nearest stored centroid,
the stored preprocessing and estimators), no model-selection sweep or search runs, and every table
keeps its contract. Each fit also yields a ``model_run`` row (trained or reused, why).
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import duckdb
import pandas as pd

from audience import __version__
from audience.cadence import (
    TRAINED,
    CadenceSettings,
    Decision,
    ModelStore,
    StoredModel,
    StoreKey,
    current_as_of,
    decide,
    is_replay,
    model_run,
)
from audience.clustering import (
    SegmentationResult,
    SegmentationSettings,
    apply_segmentation,
    fit_segments,
)
from audience.features import FeatureSpec, registry_specs
from audience.preprocessing import PreprocessingSettings
from audience.scoring import Economics, ScoringResult, ScoringSettings, fit_and_score
from audience.weighted_score import weighted_score

Settings = dict[str, Any]

_LOCK = threading.Lock()
_CACHE: dict[str, tuple[tuple, Any]] = {}


# ---------------------------------------------------------------- relations


def fingerprint(relation: duckdb.DuckDBPyRelation) -> str:
    """An order-independent content hash of a relation (row count and xor of row hashes), in DuckDB."""
    rows, digest = relation.query(
        "fingerprint_input", "select count(*), bit_xor(hash(fingerprint_input)) from fingerprint_input"
    ).fetchall()[0]
    return f"{rows}:{digest or 0}"


def to_frame(relation: duckdb.DuckDBPyRelation, columns: list[str] | None = None) -> pd.DataFrame:
    """The relation (only `columns`, when given) as pandas, through Arrow."""
    if columns is not None:
        missing = sorted(set(columns) - set(relation.columns))
        if missing:
            raise ValueError(f"relation has no column(s) {missing}; it has {relation.columns}")
        relation = relation.project(", ".join(f'"{c}"' for c in columns))
    return relation.to_arrow_table().to_pandas()


def feature_frame(
    relation: duckdb.DuckDBPyRelation, id_column: str, specs: list[FeatureSpec], extra: list[str] = ()
) -> pd.DataFrame:
    """The id, the features and `extra` columns as pandas, with features typed as the SQL scorers read them.

    Categorical features become text in DuckDB (so `true`/`3` read the same in Python and in SQL,
    not `True`/`3.0`); numeric ones become double (booleans 1/0, decimals exactly rounded).
    """
    missing = sorted({id_column, *[spec.name for spec in specs], *extra} - set(relation.columns))
    if missing:
        raise ValueError(f"relation has no column(s) {missing}; it has {relation.columns}")
    typed = [
        f'cast("{spec.name}" as {"varchar" if spec.role == "categorical" else "double"}) as "{spec.name}"'
        for spec in specs
    ]
    projection = ", ".join([f'"{id_column}"', *typed, *[f'"{c}"' for c in extra]])
    return relation.project(projection).to_arrow_table().to_pandas()


def setting(settings: Settings | None, group: str, key: str, cast: Callable[[Any], Any]) -> Any:
    """One value of a model's settings dict (dbt config `group`, set from vars); an error when missing."""
    value = (settings or {}).get(key)
    if value is None or value == "":
        raise ValueError(
            f"dbt config '{group}.{key}' is not set: it comes from a var through dbt_project.yml (models: ... +{group})"
        )
    if cast is bool and isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    if cast is tuple:
        items = value.split(",") if isinstance(value, str) else list(value)
        return tuple(str(item).strip(" '\"[]") for item in items if str(item).strip(" '\"[]"))
    return cast(value)


def preprocessing_settings(settings: Settings | None, group: str, imputation: str) -> PreprocessingSettings:
    """The shared input settings of a model's config group (vars ``categorical_*``, ``skew_threshold``)."""
    return PreprocessingSettings(
        scaling=setting(settings, group, "scaling", str),
        skew_threshold=setting(settings, group, "skew_threshold", float),
        category_min_count=setting(settings, group, "categorical_min_count", int),
        category_min_share=setting(settings, group, "categorical_min_share", float),
        imputation=imputation,
    )


def cadence_settings(settings: Settings | None) -> CadenceSettings:
    """The retraining cadence from a model's dbt config group ``cadence`` (vars ``retrain_every_days``, ``force_retrain``)."""
    return CadenceSettings(
        retrain_every_days=setting(settings, "cadence", "retrain_every_days", int),
        force_retrain=setting(settings, "cadence", "force_retrain", bool),
    )


@dataclass(frozen=True)
class ModelContext:
    """What every fitting model passes besides its inputs: the build's as-of date, the store, the cadence."""

    as_of: date
    store: ModelStore
    cadence: CadenceSettings

    def previous_fit(self, model_name: str) -> StoredModel | None:
        """The latest fit stored before the build's date: what a fit at this date learns from."""
        return self.store.latest(model_name, self.as_of - timedelta(days=1))

    def save(self, model_name: str, decision: Decision, key: StoreKey, fit: object) -> None:
        """Store a fit trained at this build's date (a replay of the stored one is not stored again)."""
        if not is_replay(decision, self.as_of):
            self.store.save(model_name, self.as_of, decision, key, fit)

    def cache_key(self, model_name: str) -> tuple:
        """The part of a fit's cache key the cadence adds: the date, the cadence, and the stored fit before
        the date (not a fit at the date: the build's own first output model stores one, and the other
        outputs of the build must hit the cache, not replay the fit)."""
        previous = self.store.latest_head(model_name, self.as_of - timedelta(days=1))
        return (self.as_of, self.cadence, self.store.schema, previous)


def model_context(
    snapshot_dates: duckdb.DuckDBPyRelation,
    session: duckdb.DuckDBPyConnection,
    schema: str,
    cadence: Settings | None,
) -> ModelContext:
    """The context of a fitting dbt Python model: ``int_snapshot_dates``, its session, ``dbt.this.schema``
    and its ``cadence`` config."""
    return ModelContext(current_as_of(snapshot_dates), ModelStore(session, schema), cadence_settings(cadence))


def _version(*parts: object) -> str:
    return hashlib.sha256(repr((__version__, *parts)).encode()).hexdigest()[:12]


def _cached(key: tuple, compute: Callable[[], Any]) -> Any:
    """The fit for `key`, computed once; one fit of each kind (key[0]) is kept per process.

    The lock is process-wide on purpose, and held while a fit computes: the fits set process-wide
    thread limits (threadpoolctl: one thread while fitting, all cores to score trees), and k-means and
    boosting results depend on the thread count, so two fits must never run at once (dbt runs Python
    models in threads of one process). A per-key lock needs per-call thread control first.
    """
    with _LOCK:
        kept = _CACHE.get(key[0])
        if kept is None or kept[0] != key:
            _CACHE[key[0]] = (key, compute())
        return _CACHE[key[0]][1]


# ---------------------------------------------------------------- segmentation


def segmentation_settings(settings: Settings | None) -> SegmentationSettings:
    """The segmentation's settings from its dbt config (vars ``segments_*`` and the shared input vars)."""
    group = "segmentation"
    return SegmentationSettings(
        k_min=setting(settings, group, "k_min", int),
        k_max=setting(settings, group, "k_max", int),
        primary_algorithm=setting(settings, group, "primary_algorithm", str),
        seed=setting(settings, group, "seed", int),
        selection_sample=setting(settings, group, "selection_sample", int),
        min_customers=setting(settings, group, "min_customers", int),
        stability_bootstraps=setting(settings, group, "stability_bootstraps", int),
        min_stability=setting(settings, group, "min_stability", float),
        max_abs_correlation=setting(settings, group, "max_abs_correlation", float),
        preprocessing=preprocessing_settings(settings, group, "median"),
    )


@dataclass
class SegmentationFit:
    """One segmentation fit (trained or reused) with the version and time every output row carries,
    and the build's ``model_run`` row."""

    result: SegmentationResult
    model_version: str
    built_at: datetime
    run: pd.DataFrame | None = None

    def table(self, name: str) -> pd.DataFrame:
        """One output of the fit (a SegmentationResult field, or ``model_run``) with model_version and built_at."""
        if name == "model_run":
            return self.run.copy()
        frame = getattr(self.result, name).copy()
        frame["model_version"] = self.model_version
        frame["built_at"] = self.built_at
        return frame

    def stored(self) -> SegmentationFit:
        """The fit without its per-customer tables and run row: what the model store keeps."""
        per_row = ("assignments", "assignments_by_algorithm", "embedding_2d")
        result = dataclasses.replace(
            self.result, **{name: getattr(self.result, name).iloc[:0] for name in per_row}
        )
        return SegmentationFit(result, self.model_version, self.built_at)


SEGMENTATION_MODEL = "customer_segmentation"


def customer_segmentation(
    features: duckdb.DuckDBPyRelation,
    registry: duckdb.DuckDBPyRelation,
    context: ModelContext,
    config: Settings | None,
) -> SegmentationFit:
    """Segment customers on the registry's clustering features of `customer_features` (cached per build):
    train (the sweep, the fit, stored) or reuse the stored fit, as the cadence decides."""
    settings = segmentation_settings(config)
    specs = registry_specs(to_frame(registry), model_name="customer_features", use="clustering")
    inputs_key = _version("segments", tuple(specs), settings)
    data_key = fingerprint(features)
    key = ("segments", data_key, inputs_key, context.cache_key(SEGMENTATION_MODEL))

    def compute() -> SegmentationFit:
        frame = feature_frame(features, "customer_id", specs)
        stored = context.store.latest(SEGMENTATION_MODEL, context.as_of)
        decision = decide(stored, context.as_of, inputs_key, data_key, context.cadence)
        if decision.is_reused and settings.primary_algorithm == "gmm":
            reason = "a gmm primary is refitted on every build (its posterior needs the mixture)"
            decision = Decision(TRAINED, reason, stored)
        if decision.is_reused:
            kept: SegmentationFit = stored.fit
            result = apply_segmentation(kept.result, frame, id_column="customer_id", settings=settings)
            fit = SegmentationFit(result, kept.model_version, kept.built_at)
            return _with_run(fit, SEGMENTATION_MODEL, decision, context, stored.trained_as_of_date)
        store_key = StoreKey(_version(key[:3]), inputs_key, data_key)
        built_at = datetime.now(UTC).replace(tzinfo=None)
        previous = context.previous_fit(SEGMENTATION_MODEL)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = fit_segments(
                frame,
                specs,
                id_column="customer_id",
                settings=settings,
                previous_centroids=None
                if previous is None or previous.fit is None
                else previous.fit.result.centroids,
            )
        for warning in caught:  # surface guardrail warnings in dbt's log
            print(f"WARNING [segments]: {warning.message}", flush=True)
        fit = SegmentationFit(result, store_key.model_version, built_at)
        if not result.is_skipped:  # a skipped model has nothing to reuse: the next build tries again
            context.save(SEGMENTATION_MODEL, decision, store_key, fit.stored())
        return _with_run(fit, SEGMENTATION_MODEL, decision, context, context.as_of)

    return _cached(key, compute)


def _with_run(
    fit: SegmentationFit | ScoringFit,
    model_name: str,
    decision: Decision,
    context: ModelContext,
    trained_as_of: date,
):  # noqa: ANN202
    """``fit`` with its ``model_run`` row: the cadence's decision for this build."""
    fit.run = model_run(
        model_name, context.as_of, fit.model_version, decision, trained_as_of, context.cadence
    )
    return fit


# ---------------------------------------------------------------- scoring


def scoring_settings(settings: Settings | None) -> ScoringSettings:
    """The scoring models' settings from their dbt config (vars ``scoring_*`` and the shared input vars)."""
    group = "scoring"
    return ScoringSettings(
        seed=setting(settings, group, "seed", int),
        min_class_count=setting(settings, group, "min_class_count", int),
        strict=setting(settings, group, "strict", bool),
        max_train_rows=setting(settings, group, "max_train_rows", int),
        cv_folds=setting(settings, group, "cv_folds", int),
        search_iterations=setting(settings, group, "search_iterations", int),
        candidates=setting(settings, group, "candidates", tuple),
        max_abs_correlation=setting(settings, group, "max_abs_correlation", float),
        preprocessing=preprocessing_settings(settings, group, setting(settings, group, "imputation", str)),
    )


def _economics(economics: pd.DataFrame, model_name: str) -> Economics:
    rows = economics[economics["model_name"] == model_name]
    if len(rows) != 1:
        raise ValueError(
            f"seed scoring_economics needs exactly one row for model '{model_name}', has {len(rows)}"
        )
    return Economics(float(rows["value_per_conversion"].iloc[0]), float(rows["cost_per_contact"].iloc[0]))


@dataclass
class ScoringFit:
    """One scoring model's fit (trained or reused) and the build's ``model_run`` row."""

    result: ScoringResult
    model_version: str
    run: pd.DataFrame | None = None

    @property
    def scores(self) -> pd.DataFrame:
        return self.result.scores

    def table(self, name: str) -> pd.DataFrame:
        """One output: a ScoringResult field, or ``model_run``."""
        return (self.run if name == "model_run" else getattr(self.result, name)).copy()

    def stored(self) -> ScoringResult:
        """The fit without its scores: what the model store keeps (with the scorer)."""
        return dataclasses.replace(self.result, scores=self.result.scores.iloc[:0])


def _score(
    *,
    model_name: str,
    id_column: str,
    registry_model: str,
    use: str,
    train: duckdb.DuckDBPyRelation,
    to_score: duckdb.DuckDBPyRelation,
    label_column: str,
    registry: duckdb.DuckDBPyRelation,
    economics: duckdb.DuckDBPyRelation,
    context: ModelContext,
    config: Settings | None,
) -> ScoringFit:
    settings = scoring_settings(config)
    specs = registry_specs(to_frame(registry), model_name=registry_model, use=use)
    economics_frame = to_frame(economics)
    inputs_key = _version(model_name, tuple(specs), settings, fingerprint(economics))
    data_key = f"{fingerprint(train)}/{fingerprint(to_score)}"
    key = (model_name, data_key, inputs_key, context.cache_key(model_name))

    def compute() -> ScoringFit:
        stored = context.store.latest(model_name, context.as_of)
        decision = decide(stored, context.as_of, inputs_key, data_key, context.cadence)
        if decision.is_reused:
            kept: ScoringResult = stored.fit
            scores = kept.scorer.score(
                feature_frame(to_score, id_column, specs),
                id_column=id_column,
                model_name=model_name,
                model_version=stored.model_version,
            )
            fit = ScoringFit(dataclasses.replace(kept, scores=scores), stored.model_version)
            return _with_run(fit, model_name, decision, context, stored.trained_as_of_date)
        version = _version(key[:3])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = fit_and_score(
                feature_frame(train, id_column, specs, [label_column]),
                label_column,
                feature_frame(to_score, id_column, specs),
                specs,
                id_column=id_column,
                model_name=model_name,
                model_version=version,
                economics=_economics(economics_frame, model_name),
                settings=settings,
            )
        for warning in caught:  # surface guardrail warnings in dbt's log
            print(f"WARNING [{model_name}]: {warning.message}", flush=True)
        fit = ScoringFit(result, version)
        if not result.is_skipped:  # a skipped model has nothing to reuse: the next build tries again
            context.save(model_name, decision, StoreKey(version, inputs_key, data_key), fit.stored())
        return _with_run(fit, model_name, decision, context, context.as_of)

    return _cached(key, compute)


def lead_conversion(
    lead_features: duckdb.DuckDBPyRelation,
    labels: duckdb.DuckDBPyRelation,
    registry: duckdb.DuckDBPyRelation,
    economics: duckdb.DuckDBPyRelation,
    context: ModelContext,
    config: Settings | None,
) -> ScoringFit:
    """Lead conversion model: trained on labelled leads, scores every lead."""
    train = lead_features.join(
        labels.filter("is_labelled").select("lead_id", "is_converted_within_horizon"), "lead_id"
    )
    return _score(
        model_name="lead_conversion",
        id_column="lead_id",
        registry_model="lead_features",
        use="lead_scoring",
        train=train,
        to_score=lead_features,
        label_column="is_converted_within_horizon",
        registry=registry,
        economics=economics,
        context=context,
        config=config,
    )


def purchase_propensity(
    training_features: duckdb.DuckDBPyRelation,
    labels: duckdb.DuckDBPyRelation,
    current_features: duckdb.DuckDBPyRelation,
    registry: duckdb.DuckDBPyRelation,
    economics: duckdb.DuckDBPyRelation,
    context: ModelContext,
    config: Settings | None,
) -> ScoringFit:
    """Purchase propensity: trained on the training snapshot and its horizon labels, scores the current one."""
    train = training_features.join(labels.select("customer_id", "is_purchased_in_horizon"), "customer_id")
    return _score(
        model_name="purchase_propensity",
        id_column="customer_id",
        registry_model="customer_features",
        use="propensity",
        train=train,
        to_score=current_features,
        label_column="is_purchased_in_horizon",
        registry=registry,
        economics=economics,
        context=context,
        config=config,
    )


def both_scoring_tables(lead: ScoringFit, propensity: ScoringFit, name: str) -> pd.DataFrame:
    """One output (a ScoringResult field, or ``model_run``) of both models, stacked."""
    return pd.concat([lead.table(name), propensity.table(name)], ignore_index=True)


# ---------------------------------------------------------------- weighted (multi-criteria) score


def weighted_scores(
    lead_features: duckdb.DuckDBPyRelation,
    customer_features: duckdb.DuckDBPyRelation,
    weights: duckdb.DuckDBPyRelation,
) -> pd.DataFrame:
    """The business-weighted score of every lead and customer (seed `scoring_weights`), stacked.

    Columns: model_name, scored_id, weighted_score, weighted_score_0_100. A model without weights in
    the seed gets no rows.
    """
    weight_frame = to_frame(weights)
    stacked = []
    for model_name, features, id_column in (
        ("lead_conversion", lead_features, "lead_id"),
        ("purchase_propensity", customer_features, "customer_id"),
    ):
        model_weights = weight_frame[weight_frame["model_name"] == model_name].reset_index(drop=True)
        if model_weights.empty:
            continue
        frame = to_frame(features, [id_column, *model_weights["feature"]])
        scores = weighted_score(frame, model_weights, id_column=id_column).rename(
            columns={id_column: "scored_id"}
        )
        scores.insert(0, "model_name", model_name)
        stacked.append(scores)
    columns = ["model_name", "scored_id", "weighted_score", "weighted_score_0_100"]
    return pd.concat(stacked, ignore_index=True)[columns] if stacked else pd.DataFrame(columns=columns)
