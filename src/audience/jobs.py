"""What the dbt Python models call: read relations, fit once per build, hand back plain frames.

A dbt Python model stays thin (read refs and config, call one function here, return a frame). Several
output tables come from one fit (segments, centroids, scaler parameters ...), so a fit is cached in
the dbt process, keyed by a content fingerprint of its inputs and its settings: the first output
model of a build fits, the others reuse the result, and a rebuild on the same data gives the same
tables. Nothing here reads files or the network; relations come from dbt, settings from YAML config.
"""

from __future__ import annotations

import hashlib
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb
import pandas as pd

from audience import __version__
from audience.clustering import (
    MODEL_SELECTION_COLUMNS,
    SegmentationResult,
    SegmentationSettings,
    fit_segments,
)
from audience.features import FeatureSpec, registry_specs
from audience.preprocessing import PreprocessingSettings
from audience.scoring import Economics, ScoringResult, ScoringSettings, fit_and_score
from audience.screening import EXCLUSIONS_SCHEMA, empty_exclusions
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


def previous_table(session: duckdb.DuckDBPyConnection, schema: str, table: str) -> pd.DataFrame | None:
    """The table as the previous build left it, or None on a first build."""
    found = session.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()[0][0]
    return session.table(f'"{schema}"."{table}"').to_arrow_table().to_pandas() if found else None


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
    """One segmentation fit with the version and time every output row carries."""

    result: SegmentationResult
    model_version: str
    built_at: datetime

    def table(self, name: str) -> pd.DataFrame:
        """One output of the fit (a SegmentationResult field) with model_version and built_at."""
        frame = getattr(self.result, name).copy()
        frame["model_version"] = self.model_version
        frame["built_at"] = self.built_at
        return frame


def customer_segmentation(
    features: duckdb.DuckDBPyRelation,
    registry: duckdb.DuckDBPyRelation,
    previous_centroids: pd.DataFrame | None,
    config: Settings | None,
) -> SegmentationFit:
    """Segment customers on the registry's clustering features of `customer_features` (cached per build)."""
    settings = segmentation_settings(config)
    specs = registry_specs(to_frame(registry), model_name="customer_features", use="clustering")
    key = ("segments", fingerprint(features), tuple(specs), settings)

    def compute() -> SegmentationFit:
        frame = feature_frame(features, "customer_id", specs)
        built_at = datetime.now(UTC).replace(tzinfo=None)
        if len(frame) < settings.min_customers:
            print(
                f"WARNING [segments]: {len(frame)} customers with features, fewer than segments_min_customers="
                f"{settings.min_customers}: segmentation skipped, its tables are written empty",
                flush=True,
            )
            return SegmentationFit(empty_segmentation_result(), _version(key), built_at)
        result = fit_segments(
            frame, specs, id_column="customer_id", settings=settings, previous_centroids=previous_centroids
        )
        return SegmentationFit(result, _version(key), built_at)

    return _cached(key, compute)


SEGMENTATION_SCHEMAS: dict[str, dict[str, str]] = {
    "assignments": {
        "customer_id": "str",
        "segment_id": "int64",
        "distance_to_centroid": "float64",
        "membership_probability": "float64",
        "algorithm": "str",
    },
    "assignments_by_algorithm": {
        "customer_id": "str",
        "kmeans": "int64",
        "gmm": "int64",
        "hdbscan": "int64",
        "agglomerative": "int64",
    },
    "model_selection": {
        column: {
            "algorithm": "str",
            "k": "int64",
            "selected_by": "str",
            "is_chosen": "bool",
            "is_primary": "bool",
        }.get(column, "float64")
        for column in MODEL_SELECTION_COLUMNS
    },
    "algorithm_agreement": {"algorithm_a": "str", "algorithm_b": "str", "adjusted_rand_index": "float64"},
    "centroids": {
        "segment_id": "int64",
        "feature": "str",
        "position": "int64",
        "scaled_value": "float64",
        "original_value": "float64",
    },
    "scaler_params": {
        "output_feature": "str",
        "source_feature": "str",
        "transform": "str",
        "category": "str",
        "impute_value": "float64",
        "center": "float64",
        "scale": "float64",
        "position": "int64",
    },
    "pca_loadings": {
        "feature": "str",
        "component": "int64",
        "loading_unrotated": "float64",
        "loading_rotated": "float64",
        "explained_variance_ratio": "float64",
        "rotated_variance_ratio": "float64",
    },
    "embedding_2d": {"customer_id": "str", "segment_id": "int64", "x": "float64", "y": "float64"},
    "feature_exclusions": EXCLUSIONS_SCHEMA,
}
"""Column schema of every segmentation table, for the empty tables a skipped segmentation writes."""


def empty_segmentation_result() -> SegmentationResult:
    """A segmentation with every table empty but typed (too few customers to segment)."""
    frames = {
        name: pd.DataFrame({column: pd.Series(dtype=dtype) for column, dtype in schema.items()})
        for name, schema in SEGMENTATION_SCHEMAS.items()
    }
    frames["feature_exclusions"] = empty_exclusions()
    return SegmentationResult(**frames, chosen_k=0)


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
    config: Settings | None,
) -> ScoringResult:
    settings = scoring_settings(config)
    specs = registry_specs(to_frame(registry), model_name=registry_model, use=use)
    economics_frame = to_frame(economics)
    key = (
        model_name,
        fingerprint(train),
        fingerprint(to_score),
        tuple(specs),
        settings,
        fingerprint(economics),
    )

    def compute() -> ScoringResult:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = fit_and_score(
                feature_frame(train, id_column, specs, [label_column]),
                label_column,
                feature_frame(to_score, id_column, specs),
                specs,
                id_column=id_column,
                model_name=model_name,
                model_version=_version(key),
                economics=_economics(economics_frame, model_name),
                settings=settings,
            )
        for warning in caught:  # surface guardrail warnings in dbt's log
            print(f"WARNING [{model_name}]: {warning.message}", flush=True)
        return result

    return _cached(key, compute)


def lead_conversion(
    lead_features: duckdb.DuckDBPyRelation,
    labels: duckdb.DuckDBPyRelation,
    registry: duckdb.DuckDBPyRelation,
    economics: duckdb.DuckDBPyRelation,
    config: Settings | None,
) -> ScoringResult:
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
        config=config,
    )


def purchase_propensity(
    training_features: duckdb.DuckDBPyRelation,
    labels: duckdb.DuckDBPyRelation,
    current_features: duckdb.DuckDBPyRelation,
    registry: duckdb.DuckDBPyRelation,
    economics: duckdb.DuckDBPyRelation,
    config: Settings | None,
) -> ScoringResult:
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
        config=config,
    )


def both_scoring_tables(lead: ScoringResult, propensity: ScoringResult, name: str) -> pd.DataFrame:
    """One output (a ScoringResult field) of both models, stacked."""
    return pd.concat([getattr(lead, name), getattr(propensity, name)], ignore_index=True)


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
