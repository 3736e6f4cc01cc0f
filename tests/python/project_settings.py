"""The project's default settings for tests that call the package without dbt.

The defaults live only in ``dbt_project.yml`` (vars) and reach the package through the Python models'
YAML config (``python_models/*/_*__models.yml``); this module follows the same path, so a test that uses
"the defaults" uses exactly what a build does.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from audience import jobs
from audience.clustering import SegmentationSettings
from audience.scoring import ScoringSettings

PROJECT_DIR = Path(__file__).resolve().parents[2]
_VAR = re.compile(r"var\('([a-z_0-9]+)'\)")


def project_vars() -> dict[str, Any]:
    """The vars of dbt_project.yml (without their jinja: every model setting is a plain value)."""
    return yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]


def model_config(group: str) -> dict[str, Any]:
    """The ``group`` config (``scoring`` or ``segmentation``) of the Python models, vars resolved."""
    folder = {"scoring": "scoring", "segmentation": "segments"}[group]
    document = yaml.safe_load((PROJECT_DIR / "python_models" / folder / f"_{folder}__models.yml").read_text())
    config = document[f"x-{group}-config"][group]
    values = project_vars()
    return {key: values[_VAR.search(template).group(1)] for key, template in config.items()}


def scoring_settings(**overrides: Any) -> ScoringSettings:
    """The default scoring settings, with ``overrides`` of config keys (e.g. ``max_train_rows=3000``)."""
    return jobs.scoring_settings({**model_config("scoring"), **overrides})


def segmentation_settings(**overrides: Any) -> SegmentationSettings:
    """The default segmentation settings, with ``overrides`` of config keys (e.g. ``k_max=8``)."""
    return jobs.segmentation_settings({**model_config("segmentation"), **overrides})
