"""The fit on a sample, outside dbt: the dbt Python models' own code, run on a sample read from Spark.

`fit_on_sample(spark, manifest)`:

1. reads, from dbt's manifest (`dbt parse --target spark`), every dbt Python model of the fit
   (`MODEL_TABLES`): its file, its inputs (refs) as Spark tables, its settings (the `segmentation` /
   `scoring` config, vars resolved exactly as in a build) and the table it writes;
2. reads each input to the driver: the tables keyed by `customer_id` or `lead_id` as a fixed-seed
   sample (a row is kept when a hash of its id with the seed is below the sampled share, so the
   features, training features and labels of one id are kept or left together, and the same data
   gives the same sample on any cluster layout); the small tables (registry, seeds) whole;
3. runs each Python model's `model(dbt, session)` against an in-memory DuckDB holding the sample, so
   the fit is the `audience` package's code path of a DuckDB build, with its seeds and its cache (one
   fit per kind);
4. writes the model tables to Spark (schema `ml`, the same names a DuckDB build gives them).

The fits themselves (pickled, `audience.cadence`) go to Spark's `ml.model_store`, read back by the next
fit (the cadence: reuse within `retrain_every_days`, previous centroids) and by the apply step.
Per-row outputs (`segment_assignments`, `lead_score_predictions`, ...) are not written here: the apply
step (audience.spark.apply) writes them from every row on the cluster. With at most
`spark_fit_max_rows` rows per id family, the sample is every row and the tables equal the DuckDB build's.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from audience.cadence import MODEL_STORE_COLUMNS

# the dbt Python models whose output is a model (fitted on the sample), not one row per customer or lead
MODEL_TABLES = (
    "segment_centroids",
    "segment_scaler_params",
    "segment_model_selection",
    "segment_feature_exclusions",
    "segment_pca_loadings",
    "segment_algorithm_agreement",
    "scoring_model_coefficients",
    "scoring_model_metrics",
    "scoring_feature_exclusions",
    "scoring_feature_selection",
    "scoring_model_candidates",
    "scoring_profit_curves",
    "segment_model_run",
    "scoring_model_runs",
)
# the model store (audience.cadence): the pickled fits, kept in Spark between builds (schema of the fits)
STORE_TABLE = "model_store"
# the id columns that tie sampled tables together: the share is set by the family's largest table
ID_COLUMNS = ("customer_id", "lead_id")


@dataclass
class PythonModel:
    """One dbt Python model as the manifest describes it."""

    name: str
    path: Path
    schema: str
    alias: str
    config: dict[str, Any]
    refs: dict[str, str] = field(default_factory=dict)  # ref name -> Spark table (schema.name)


def load_manifest(target_path: Path) -> dict[str, Any]:
    """dbt's manifest.json of the last parse (run `dbt parse --target spark` first)."""
    path = target_path / "manifest.json"
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: run `dbt parse --target spark` first")
    return json.loads(path.read_text())


def python_models(manifest: dict[str, Any], names: tuple[str, ...] = MODEL_TABLES) -> list[PythonModel]:
    """The fit's Python models (in `names` order) with their inputs as Spark tables."""
    nodes = manifest["nodes"]
    by_id = {**nodes, **manifest.get("sources", {})}
    found = {node["name"]: node for node in nodes.values() if node.get("language") == "python"}
    missing = [name for name in names if name not in found]
    if missing:
        raise ValueError(f"the manifest has no Python model(s) {missing}")
    models = []
    for name in names:
        node = found[name]
        refs = {}
        for parent_id in node["depends_on"]["nodes"]:
            parent = by_id[parent_id]
            refs[parent["name"]] = f"{parent['schema']}.{parent.get('alias') or parent['name']}"
        models.append(
            PythonModel(
                name=name,
                path=Path(manifest["metadata"].get("project_root", ".")) / node["original_file_path"],
                schema=node["schema"],
                alias=node.get("alias") or name,
                config=node["config"],
                refs=refs,
            )
        )
    return models


def sampled_share(spark, tables: dict[str, str], max_rows: int) -> dict[str, float]:
    """Per id column: the share of ids to keep so that its largest table has at most `max_rows` rows."""
    shares = {}
    for id_column in ID_COLUMNS:
        counts = [
            spark.table(table).count() for table in tables.values() if id_column in spark.table(table).columns
        ]
        if counts:
            shares[id_column] = min(1.0, max_rows / max(max(counts), 1))
    return shares


def read_sample(spark, table: str, shares: dict[str, float], seed: int):
    """The table as Arrow on the driver: a fixed-seed sample of its ids' share, or whole."""
    frame = spark.table(table)
    for id_column in ID_COLUMNS:
        share = shares.get(id_column, 1.0)
        if id_column in frame.columns and share < 1.0:
            # a uniform number in [0, 1) from the id and the seed: the same ids in every table, any layout
            frame = frame.where(
                f"pmod(xxhash64(cast({id_column} as string), {int(seed)}), 1000000000) < {int(share * 1e9)}"
            )
            break
    return frame.toArrow()


class _Config:
    """`dbt.config` of a Python model: `config(...)` is a no-op, `config.get(key)` reads the manifest."""

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def __call__(self, **_: Any) -> None:
        return None

    def get(self, key: str, default: Any = None) -> Any:
        return self._values.get(key, default)


@dataclass(frozen=True)
class _This:
    """`dbt.this` of a Python model: its schema (where the model store lives) and name."""

    schema: str
    identifier: str


class _Dbt:
    """The `dbt` object a Python model receives: `ref(name)` is the sampled input in DuckDB."""

    def __init__(self, con: duckdb.DuckDBPyConnection, model: PythonModel) -> None:
        self._con = con
        self._model = model
        self.config = _Config(model.config)
        self.this = _This(model.schema, model.alias)

    def ref(self, name: str, *_: Any, **__: Any) -> duckdb.DuckDBPyRelation:
        if name not in self._model.refs:
            raise ValueError(f"{self._model.name} refs '{name}', which its manifest entry does not list")
        return self._con.table(f'"{name}"')


def _model_function(path: Path):
    spec = importlib.util.spec_from_file_location(f"_dbt_python_model_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.model


def _spark_frame(spark, frame: pd.DataFrame):
    """A pandas output as a Spark DataFrame (an empty frame keeps its column types)."""
    import pyarrow as pa

    table = pa.Table.from_pandas(frame, preserve_index=False)
    # an all-null column (an empty table's text column) has Arrow type null, which Spark cannot store
    schema = pa.schema([f.with_type(pa.string()) if pa.types.is_null(f.type) else f for f in table.schema])
    return spark.createDataFrame(table.cast(schema))


def load_store(spark, con: duckdb.DuckDBPyConnection, schema: str) -> int:
    """Spark's `<schema>.model_store` copied into the fit's DuckDB (the store the cadence reads); rows."""
    if not spark.catalog.tableExists(f"{schema}.{STORE_TABLE}"):
        return 0
    con.execute(f'create table if not exists "{schema}"."{STORE_TABLE}" {MODEL_STORE_COLUMNS}')
    con.register("_store", spark.table(f"{schema}.{STORE_TABLE}").toArrow())
    con.execute(f'insert into "{schema}"."{STORE_TABLE}" select * from _store')
    con.unregister("_store")
    return con.execute(f'select count(*) from "{schema}"."{STORE_TABLE}"').fetchall()[0][0]


def save_store(spark, con: duckdb.DuckDBPyConnection, schema: str) -> int:
    """The fit's DuckDB model store written to Spark as `<schema>.model_store` (the fits pickled); rows."""
    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, STORE_TABLE],
    ).fetchall()[0][0]
    if not exists:
        return 0
    arrow = con.sql(
        f'select * from "{schema}"."{STORE_TABLE}" order by model_name, trained_as_of_date'
    ).to_arrow_table()
    spark.createDataFrame(arrow).write.mode("overwrite").saveAsTable(f"{schema}.{STORE_TABLE}")
    return arrow.num_rows


def fit_on_sample(
    spark,
    manifest: dict[str, Any],
    *,
    max_rows: int,
    seed: int,
    names: tuple[str, ...] = MODEL_TABLES,
    log=print,
) -> dict[str, int]:
    """Fit on a sample read from Spark and write the model tables to Spark; returns rows written per table."""
    models = python_models(manifest, names)
    inputs = {ref: table for model in models for ref, table in model.refs.items()}
    shares = sampled_share(spark, inputs, max_rows)
    log(f"[fit] sampled share per id: {shares or 'every row'} (at most {max_rows} rows, seed {seed})")
    con = duckdb.connect()
    for ref, table in sorted(inputs.items()):
        arrow = read_sample(spark, table, shares, seed)
        con.register(f"_arrow_{ref}", arrow)
        con.execute(f'create table "{ref}" as select * from "_arrow_{ref}"')
        con.unregister(f"_arrow_{ref}")
        log(f"[fit] {table}: {arrow.num_rows} rows read to the driver")
    # the fits stored by earlier builds (retraining cadence, previous centroids) come from Spark
    stores = sorted({model.schema for model in models})
    for schema in stores:
        con.execute(f'create schema if not exists "{schema}"')
        load_store(spark, con, schema)
    frames = {model.name: _model_function(model.path)(_Dbt(con, model), con) for model in models}
    written = {}
    for model in models:
        frame = frames[model.name]
        spark.sql(f"create schema if not exists {model.schema}")
        _spark_frame(spark, frame).write.mode("overwrite").saveAsTable(f"{model.schema}.{model.alias}")
        written[model.name] = len(frame)
        log(f"[fit] wrote {model.schema}.{model.alias}: {len(frame)} rows")
    for schema in stores:
        written[f"{schema}.{STORE_TABLE}"] = save_store(spark, con, schema)
    con.close()
    return written


def main_fit(
    target_path: Path,
    profiles_dir: Path | None,
    target: str,
    *,
    max_rows: int,
    seed: int,
    bridge_from: Path | None = None,
) -> int:
    """`audience fit --target spark`: the fit on a sample, with the Spark session of the dbt target.

    `bridge_from`: a DuckDB warehouse file whose tables the fit reads (its refs) are first copied to
    Spark (audience.spark.bridge), for the feature marts that do not build on Spark yet, and so are
    the other inputs of the SQL models downstream of the Python models (the stand-in until the upstream
    SQL builds on Spark).
    """
    from audience.spark.session import spark_session

    sys.path.insert(0, str(Path.cwd()))
    manifest = load_manifest(target_path)
    spark = spark_session(profiles_dir, target)
    if bridge_from is not None:
        from audience.spark.bridge import bridged_tables, copy_from_duckdb

        copy_from_duckdb(spark, bridge_from, bridged_tables(manifest))
    written = fit_on_sample(spark, manifest, max_rows=max_rows, seed=seed)
    print(f"[fit] {len(written)} model tables written to Spark")
    return 0
