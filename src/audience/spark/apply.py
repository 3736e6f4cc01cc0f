"""The apply step on Spark: the per-row tables of the dbt Python models, from every row on the cluster.

After the fit (model tables and pickled fits in schema `ml`) and the SQL scorers, `apply_models(spark,
manifest)` writes the Python models' per-row outputs under their own names and columns, so that the SQL
models downstream of them (`customer_segments`, `lead_scores`, `segment_profiles`, history, monitoring,
activation) build on Spark unchanged:

- `segment_assignments`: `customer_segments_sql` (the nearest stored centroid of every customer, in
  SQL), with the primary algorithm, the model version and build time of `segment_centroids`;
  `membership_probability` is null as in a DuckDB build with a k-means, HDBSCAN or Ward primary (a
  `gmm` primary's posterior needs the mixture: null on Spark, a difference the README states);
- `lead_score_predictions` / `propensity_score_predictions`: the logistic probability of every row
  from `logistic_scores_sql` (SQL); the tree model's probability when a tree family won, and the three
  reasons, with `mapInPandas` (audience.spark.gbm) from the stored fit in `ml.model_store`; score,
  grade and decile from the probability in Spark (`audience.scoring.formulas`' rules);
- `weighted_scores`: the seed `scoring_weights` applied with Spark aggregates (min, max, mean,
  population standard deviation over every row), `audience.weighted_score`'s rules.

`segment_assignments_by_algorithm` and `segment_embedding_2d` are not written (no SQL model reads them;
the comparison algorithms are fitted on the sample only).
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path
from typing import Any

from audience.features import registry_specs
from audience.scoring.formulas import GRADE_CUTS, LOWEST_GRADE
from audience.spark.fit import STORE_TABLE, load_manifest, python_models
from audience.weighted_score import validate_weights

# (model name, features model, id column, registry use, the Python model of its per-row scores)
SCORING_MODELS = (
    ("lead_conversion", "lead_features", "lead_id", "lead_scoring", "lead_score_predictions"),
    ("purchase_propensity", "customer_features", "customer_id", "propensity", "propensity_score_predictions"),
)
PER_ROW_TABLES = (
    "segment_assignments",
    "lead_score_predictions",
    "propensity_score_predictions",
    "weighted_scores",
)


def relations(manifest: dict[str, Any]) -> dict[str, str]:
    """Every model and seed of the manifest by name, as its Spark table `schema.alias`."""
    return {
        node["name"]: f"{node['schema']}.{node.get('alias') or node['name']}"
        for node in manifest["nodes"].values()
        if node["resource_type"] in {"model", "seed"}
    }


def _as_of(spark, snapshot_dates: str) -> str:
    rows = spark.sql(
        f"select cast(as_of_date as date) from {snapshot_dates} where snapshot_name = 'current'"
    ).collect()
    if len(rows) != 1:
        raise ValueError(f"{snapshot_dates} needs exactly one 'current' row, has {len(rows)}")
    return str(rows[0][0])


def stored_fit(spark, store: str, model_name: str, as_of: str) -> tuple[str, Any] | None:
    """The model version and unpickled fit of `model_name` stored at the latest date on or before `as_of`."""
    if not spark.catalog.tableExists(store):
        return None
    rows = spark.sql(
        f"""
        select model_version, fit from {store}
        where model_name = '{model_name}' and trained_as_of_date <= date '{as_of}'
        order by trained_as_of_date desc
        limit 1
        """
    ).collect()
    if not rows:
        return None
    return rows[0]["model_version"], pickle.loads(bytes(rows[0]["fit"]))  # noqa: S301 (our own store)


def segment_assignments(spark, tables: dict[str, str], primary_algorithm: str):
    """`segment_assignments` from `customer_segments_sql` and the version of `segment_centroids`."""
    return spark.sql(
        f"""
        select
            segments.customer_id,
            cast(segments.segment_id as bigint) as segment_id,
            cast(segments.distance_to_centroid as double) as distance_to_centroid,
            cast(null as double) as membership_probability,
            '{primary_algorithm}' as algorithm,
            model.model_version,
            model.built_at
        from {tables["customer_segments_sql"]} as segments
        cross join (
            select max(model_version) as model_version, max(built_at) as built_at
            from {tables["segment_centroids"]}
        ) as model
        """
    )


def _grade_sql(score: str) -> str:
    cases = " ".join(f"when {score} >= {cut} then '{grade}'" for grade, cut in GRADE_CUTS)
    return f"case {cases} else '{LOWEST_GRADE}' end"


def score_predictions(spark, tables: dict[str, str], scoring: tuple[str, ...], as_of: str, log=print):
    """The scores table of one scoring model (the Python model's columns), every row scored on Spark."""
    from audience.spark.gbm import score_rows

    model_name, features_model, id_column, use, _ = scoring
    features = spark.table(tables[features_model])
    stored = stored_fit(spark, tables[STORE_TABLE], model_name, as_of)
    registry = spark.table(tables["feature_registry"]).toPandas()
    specs = registry_specs(registry, model_name=features_model, use=use)
    typed = features.selectExpr(
        f"cast({id_column} as string) as {id_column}",
        *[
            f"cast(`{spec.name}` as {'string' if spec.role == 'categorical' else 'double'}) as `{spec.name}`"
            for spec in specs
        ],
    )
    if stored is None:  # a skipped model (too few positives) stores nothing and scores nothing
        log(f"[apply] {model_name}: no stored fit on or before {as_of}: no scores")
        typed = typed.limit(0)
        model_version = ""
        rows = typed.selectExpr(
            id_column,
            "cast(null as double) as tree_probability",
            *[f"cast(null as string) as reason_{index}" for index in (1, 2, 3)],
        )
    else:
        model_version, fit = stored
        scorer = fit.scorer
        winner = "the logistic model" if scorer.tree_model is None else type(scorer.tree_model).__name__
        log(f"[apply] {model_name}: stored fit {model_version}, {winner} applied with mapInPandas")
        rows = score_rows(typed, scorer, id_column, [spec.name for spec in specs])
    view = f"_apply_rows_{model_name}"
    rows.createOrReplaceTempView(view)
    return spark.sql(
        f"""
        with probabilities as (
            select
                rows.{id_column},
                coalesce(rows.tree_probability, logistic.logistic_probability) as probability,
                logistic.logistic_probability,
                rows.reason_1,
                rows.reason_2,
                rows.reason_3
            from {view} as rows
            inner join {tables["logistic_scores_sql"]} as logistic
                on logistic.model_name = '{model_name}' and logistic.scored_id = rows.{id_column}
        ),

        scored as (
            select
                *,
                cast(floor(100 * probability + 0.5) as bigint) as score,
                row_number() over (order by probability desc, {id_column} asc) - 1 as probability_rank,
                count(*) over () as scored_rows
            from probabilities
        )

        select
            {id_column},
            probability,
            logistic_probability,
            score,
            {_grade_sql("score")} as grade,
            cast((probability_rank * 10) div scored_rows + 1 as bigint) as decile,
            reason_1,
            reason_2,
            reason_3,
            '{model_name}' as model_name,
            '{model_version}' as model_version
        from scored
        """
    )


def _double(value: float) -> str:
    """A Python float as the same Spark double (a bare `0.1` would be a decimal literal in Spark SQL)."""
    return f"cast('{float(value)!r}' as double)"


def weighted_scores(spark, tables: dict[str, str]):
    """`weighted_scores`: the business-weighted score of every lead and customer (audience.weighted_score)."""
    weights = spark.table(tables["scoring_weights"]).toPandas()
    parts = []
    for model_name, features_model, id_column, _, _ in SCORING_MODELS:
        model_weights = weights[weights["model_name"] == model_name].reset_index(drop=True)
        if model_weights.empty:
            continue
        features = spark.table(tables[features_model])
        validate_weights(model_weights, features.columns)
        values = {row.feature: f"cast(`{row.feature}` as double)" for row in model_weights.itertuples()}
        stats = features.selectExpr(
            *[
                f"{agg}({value}) as `{agg}_{name}`"
                for name, value in values.items()
                for agg in ("min", "max", "avg", "stddev_pop")
            ]
        ).first()
        total = "cast(0 as double)"
        for row in model_weights.itertuples(index=False):
            value, direction = values[row.feature], int(row.direction)
            low, high = stats[f"min_{row.feature}"], stats[f"max_{row.feature}"]
            mean, std = stats[f"avg_{row.feature}"], stats[f"stddev_pop_{row.feature}"]
            if row.normalisation == "min_max":
                if low is None or high == low:
                    normalised = "cast(0 as double)"
                else:
                    scaled = f"(({value} - {_double(low)}) / ({_double(high)} - {_double(low)}))"
                    normalised = f"coalesce({f'1.0D - {scaled}' if direction == -1 else scaled}, 0.0D)"
            else:  # z_score
                if std is None or std == 0:
                    normalised = "cast(0 as double)"
                else:
                    normalised = (
                        f"coalesce(({value} - {_double(mean)}) / {_double(std)} * {direction}.0D, 0.0D)"
                    )
            total = f"({total} + {_double(row.weight)} * {normalised})"
        all_min_max = bool((model_weights["normalisation"] == "min_max").all())
        parts.append(
            features.selectExpr(
                f"'{model_name}' as model_name",
                f"cast({id_column} as string) as scored_id",
                f"{total} as weighted_score",
                f"{'100.0D * ' + total if all_min_max else 'cast(null as double)'} as weighted_score_0_100",
            )
        )
    if not parts:
        return spark.sql(
            "select cast(null as string) as model_name, cast(null as string) as scored_id, "
            "cast(null as double) as weighted_score, cast(null as double) as weighted_score_0_100 limit 0"
        )
    result = parts[0]
    for part in parts[1:]:
        result = result.unionByName(part)
    return result


def apply_models(spark, manifest: dict[str, Any], log=print) -> dict[str, int]:
    """Write the per-row tables (`PER_ROW_TABLES`) to Spark from every row; returns rows per table."""
    tables = relations(manifest)
    fits = {model.name: model for model in python_models(manifest, PER_ROW_TABLES)}
    tables[STORE_TABLE] = f"{fits['lead_score_predictions'].schema}.{STORE_TABLE}"
    as_of = _as_of(spark, tables["int_snapshot_dates"])
    primary = fits["segment_assignments"].config["segmentation"]["primary_algorithm"]
    frames = {
        "segment_assignments": segment_assignments(spark, tables, primary),
        "weighted_scores": weighted_scores(spark, tables),
    }
    for scoring in SCORING_MODELS:
        frames[scoring[4]] = score_predictions(spark, tables, scoring, as_of, log)
    written = {}
    for name in PER_ROW_TABLES:
        target = tables[name]
        spark.sql(f"create schema if not exists {target.split('.')[0]}")
        frames[name].write.mode("overwrite").saveAsTable(target)
        written[name] = spark.table(target).count()
        log(f"[apply] wrote {target}: {written[name]} rows")
    return written


def main_apply(target_path: Path, profiles_dir: Path | None, target: str) -> int:
    """`audience apply --target spark`: the apply step, with the Spark session of the dbt target."""
    from audience.spark.session import spark_session

    sys.path.insert(0, str(Path.cwd()))
    manifest = load_manifest(target_path)
    spark = spark_session(profiles_dir, target)
    written = apply_models(spark, manifest)
    print(f"[apply] {len(written)} per-row tables written to Spark")
    return 0
