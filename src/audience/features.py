"""The feature registry: which mart columns each Python model takes as inputs.

The registry is declared in YAML (``meta: {feature: {role: ..., use: [...]}}`` on a mart column) and
materialized by the SQL model ``feature_registry`` (one row per model, feature and use). Python models
read that table and never hard-code a feature list, so an analyst adds a feature with one SQL column
and one YAML entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

Role = Literal["numeric", "categorical"]


@dataclass(frozen=True)
class FeatureSpec:
    """One input feature of a model: a column name and how it is treated."""

    name: str
    role: Role


def registry_specs(registry: pd.DataFrame, *, model_name: str, use: str) -> list[FeatureSpec]:
    """The features of ``model_name`` declared for ``use`` (e.g. ``clustering``), in a stable order.

    ``registry`` is the ``feature_registry`` table: columns ``model_name``, ``feature_name``, ``feature_role``,
    ``use_case``. Raises ``ValueError`` when nothing is declared, naming the model and the use.
    """
    rows = registry[(registry["model_name"] == model_name) & (registry["use_case"] == use)]
    if rows.empty:
        raise ValueError(
            f"feature registry declares no '{use}' features on model '{model_name}': "
            f"add meta: {{feature: {{role: numeric, use: [{use}]}}}} to its columns in YAML"
        )
    bad = sorted(set(rows["feature_role"]) - {"numeric", "categorical"})
    if bad:
        raise ValueError(f"feature registry: unknown role(s) {bad} on model '{model_name}'")
    rows = rows.sort_values("feature_name")
    return [
        FeatureSpec(name=n, role=r) for n, r in zip(rows["feature_name"], rows["feature_role"], strict=True)
    ]
