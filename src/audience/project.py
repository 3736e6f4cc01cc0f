"""The project's settings outside dbt (command line, tests): read the way dbt reads them.

A build passes each Python model its settings through the model's YAML config
(``python_models/<folder>/_<folder>__models.yml``, e.g. ``scoring: {seed: "{{ var('scoring_seed') }}"}``)
and the vars of ``dbt_project.yml``. This module resolves the same config against the same vars, so a
run outside dbt uses exactly the settings of a build, and no default is written a second time.
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
_FOLDERS = {"scoring": "scoring", "segmentation": "segments"}


def project_vars(project_dir: Path = PROJECT_DIR) -> dict[str, Any]:
    """The vars of ``dbt_project.yml`` (model settings are plain values there)."""
    return yaml.safe_load((project_dir / "dbt_project.yml").read_text())["vars"]


def model_config(group: str, project_dir: Path = PROJECT_DIR) -> dict[str, Any]:
    """The ``group`` config (``scoring`` or ``segmentation``) of the Python models, vars resolved."""
    folder = _FOLDERS[group]
    path = project_dir / "python_models" / folder / f"_{folder}__models.yml"
    config = yaml.safe_load(path.read_text())[f"x-{group}-config"][group]
    values = project_vars(project_dir)
    resolved = {}
    for key, template in config.items():
        found = _VAR.search(str(template))
        if found is None:
            raise ValueError(f"{path}: config {group}.{key} does not read a var: {template!r}")
        resolved[key] = values[found.group(1)]
    return resolved


def scoring_settings(project_dir: Path = PROJECT_DIR, **overrides: Any) -> ScoringSettings:
    """The build's scoring settings, with ``overrides`` of config keys (e.g. ``max_train_rows=3000``)."""
    return jobs.scoring_settings({**model_config("scoring", project_dir), **overrides})


def segmentation_settings(project_dir: Path = PROJECT_DIR, **overrides: Any) -> SegmentationSettings:
    """The build's segmentation settings, with ``overrides`` of config keys (e.g. ``k_max=8``)."""
    return jobs.segmentation_settings({**model_config("segmentation", project_dir), **overrides})
