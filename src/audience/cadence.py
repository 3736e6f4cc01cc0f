"""Retraining cadence: whether a build refits a model or reuses the one it stored earlier.

Every fit a build trains is stored in the table ``model_store`` of the fitting models' own schema (the
dbt Python models' ``dbt.this.schema``; not a dbt model, so neither ``dbt build`` nor ``--full-refresh``
touches it): one row per model and training as-of date with its version, the key of its inputs
(feature set and settings), the key of its data, why it was trained, and the pickled fit (without the
per-row tables). A build as of date D reads the latest fit trained on or before D and :func:`decide`
says what to do:

1. ``force_retrain`` -> train (reason ``forced``);
2. no stored fit on or before D -> train (``no stored model``);
3. the stored fit cannot be read (pickled by another package version) -> train (``unreadable``);
4. a rebuild of the date that trained the stored fit, on the same data and inputs -> train again, with
   the stored reason (a replay: the fits are deterministic, so the rebuild gives the same tables);
5. the feature set or the model's settings differ from the stored fit's -> train (``inputs changed``);
6. the stored fit is ``retrain_every_days`` days old or older -> train (``due``);
7. otherwise -> reuse it (``within cadence``): the build scores with the stored model, no sweep runs.

So a backfill at a date before the latest fit uses the fit of its own period (or trains one), never a
model trained on later data. A fit learns from the fit before its date (stable segment ids: the
previous centroids), so a replay learns from the same one.
The pickled fits hold scikit-learn objects: read them back with the package version that wrote them
(the model version includes it, and a package upgrade changes the inputs key, so it retrains).
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import duckdb
import pandas as pd

STORE_TABLE = "model_store"
TRAINED, REUSED = "trained", "reused"
MODEL_RUN_SCHEMA: dict[str, str] = {
    "model_name": "str",
    "as_of_date": "datetime64[us]",
    "model_version": "str",
    "trained_as_of_date": "datetime64[us]",
    "action": "str",
    "reason": "str",
    "model_age_days": "int64",
    "retrain_every_days": "int64",
    "is_forced": "bool",
}
"""One row per model and build: what the cadence decided (the dbt model ``history.model_runs``)."""


@dataclass(frozen=True)
class CadenceSettings:
    """``retrain_every_days`` (0: every build trains) and ``force_retrain`` (dbt vars of the same names)."""

    retrain_every_days: int
    force_retrain: bool

    def __post_init__(self) -> None:
        if self.retrain_every_days < 0:
            raise ValueError(f"retrain_every_days must be >= 0, got {self.retrain_every_days}")


@dataclass(frozen=True)
class StoredModel:
    """One stored fit: the model, its version, the as-of date it was trained at, its inputs key, the fit."""

    model_name: str
    model_version: str
    trained_as_of_date: date
    inputs_key: str
    data_key: str
    reason: str
    fit: Any


@dataclass(frozen=True)
class Decision:
    """Train or reuse, and why; ``stored`` is the fit reused (or the previous fit when training)."""

    action: str
    reason: str
    stored: StoredModel | None

    @property
    def is_reused(self) -> bool:
        return self.action == REUSED


def decide(
    stored: StoredModel | None, as_of: date, inputs_key: str, data_key: str, settings: CadenceSettings
) -> Decision:
    """What a build as of ``as_of`` does with a model whose latest fit on or before ``as_of`` is ``stored``
    (``inputs_key``: the feature set and settings; ``data_key``: the input data of this build)."""
    if settings.force_retrain:
        return Decision(TRAINED, "forced: var force_retrain is true", stored)
    if stored is None:
        return Decision(TRAINED, f"no stored model trained on or before {as_of}", None)
    if stored.fit is None:
        return Decision(TRAINED, "unreadable: the stored fit cannot be read by this package", stored)
    same_inputs = stored.inputs_key == inputs_key
    if stored.trained_as_of_date == as_of and same_inputs and stored.data_key == data_key:
        return Decision(TRAINED, stored.reason, stored)
    if not same_inputs:
        reason = "inputs changed: the feature set or the model settings differ from the stored model's"
        return Decision(TRAINED, reason, stored)
    age = (as_of - stored.trained_as_of_date).days
    every = settings.retrain_every_days
    if age >= every:
        return Decision(
            TRAINED, f"due: the stored model is {age} days old, retrain_every_days is {every}", stored
        )
    return Decision(
        REUSED, f"within cadence: the stored model is {age} days old, retrain_every_days is {every}", stored
    )


def is_replay(decision: Decision, as_of: date) -> bool:
    """True when the decision retrains the fit already stored for ``as_of`` (nothing new to store)."""
    return (
        decision.action == TRAINED
        and decision.stored is not None
        and decision.stored.trained_as_of_date == as_of
        and decision.reason == decision.stored.reason
    )


def model_run(
    model_name: str,
    as_of: date,
    model_version: str,
    decision: Decision,
    trained_as_of: date,
    settings: CadenceSettings,
) -> pd.DataFrame:
    """The one-row ``MODEL_RUN_SCHEMA`` frame of a build's decision for one model."""
    row = {
        "model_name": model_name,
        "as_of_date": pd.Timestamp(as_of),
        "model_version": model_version,
        "trained_as_of_date": pd.Timestamp(trained_as_of),
        "action": decision.action,
        "reason": decision.reason,
        "model_age_days": (as_of - trained_as_of).days,
        "retrain_every_days": settings.retrain_every_days,
        "is_forced": settings.force_retrain,
    }
    return pd.DataFrame(
        {column: pd.Series([row[column]], dtype=dtype) for column, dtype in MODEL_RUN_SCHEMA.items()}
    )


# the columns of ml.model_store (one row per model and training as-of date, the pickled fit); the Spark
# fit keeps the same table in its driver-side DuckDB (audience.spark.fit)
MODEL_STORE_COLUMNS = """(
    model_name varchar not null,
    trained_as_of_date date not null,
    model_version varchar not null,
    inputs_key varchar not null,
    data_key varchar not null,
    reason varchar not null,
    trained_at timestamp not null,
    fit blob not null,
    primary key (model_name, trained_as_of_date)
)"""


def current_as_of(snapshot_dates: duckdb.DuckDBPyRelation) -> date:
    """The build's as-of date: the `current` row of ``int_snapshot_dates``."""
    rows = snapshot_dates.filter("snapshot_name = 'current'").project("cast(as_of_date as date)").fetchall()
    if len(rows) != 1:
        raise ValueError(f"int_snapshot_dates needs exactly one 'current' row, has {len(rows)}")
    return rows[0][0]


class ModelStore:
    """The ``model_store`` table of ``schema``: read the latest fit of a model, save a new one."""

    def __init__(self, session: duckdb.DuckDBPyConnection, schema: str) -> None:
        self.session = session
        self.table = f'"{schema}"."{STORE_TABLE}"'
        self.schema = schema

    def latest_head(self, model_name: str, as_of: date) -> tuple[str, date] | None:
        """Version and training date of the fit :meth:`latest` returns (cheap: the fit is not read)."""
        row = self._latest(model_name, as_of, "model_version, trained_as_of_date")
        return None if row is None else (row[0], row[1])

    def latest(self, model_name: str, as_of: date) -> StoredModel | None:
        """The fit of ``model_name`` trained at the latest date on or before ``as_of``; None if there is none."""
        row = self._latest(
            model_name, as_of, "model_version, trained_as_of_date, inputs_key, data_key, reason, fit"
        )
        if row is None:
            return None
        *head, payload = row
        try:
            fit = pickle.loads(payload)  # noqa: S301 (our own warehouse's table)
        except (AttributeError, ImportError, pickle.UnpicklingError, TypeError, ValueError) as error:
            print(
                f"WARNING [{model_name}]: the stored fit cannot be read ({error!r}): retraining", flush=True
            )
            fit = None
        return StoredModel(model_name, *head, fit)

    def _latest(self, model_name: str, as_of: date, columns: str) -> tuple | None:
        exists = self.session.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [self.schema, STORE_TABLE],
        ).fetchall()[0][0]
        if not exists:
            return None
        rows = self.session.execute(
            f"""
            select {columns} from {self.table}
            where model_name = ? and trained_as_of_date <= ?
            order by trained_as_of_date desc
            limit 1
            """,
            [model_name, as_of],
        ).fetchall()
        return rows[0] if rows else None

    def save(self, model_name: str, as_of: date, decision: Decision, key: StoreKey, fit: Any) -> None:
        """Store ``fit`` as the model trained at ``as_of`` (replacing a fit stored for that date)."""
        self.session.execute(f'create schema if not exists "{self.schema}"')
        self.session.execute(
            f"""
            create table if not exists {self.table} {MODEL_STORE_COLUMNS}
            """
        )
        self.session.execute(
            f"delete from {self.table} where model_name = ? and trained_as_of_date = ?", [model_name, as_of]
        )
        self.session.execute(
            f"insert into {self.table} values (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                model_name,
                as_of,
                key.model_version,
                key.inputs_key,
                key.data_key,
                decision.reason,
                datetime.now(UTC).replace(tzinfo=None),
                pickle.dumps(fit),
            ],
        )


@dataclass(frozen=True)
class StoreKey:
    """The keys a fit is stored under: its version, its inputs (feature set, settings), its data."""

    model_version: str
    inputs_key: str
    data_key: str
