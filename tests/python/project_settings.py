"""The project's default settings for tests that call the package without dbt (see audience.project:
the defaults live only in dbt_project.yml and reach the package through the Python models' config)."""

from __future__ import annotations

from audience.project import model_config, project_vars, scoring_settings, segmentation_settings

__all__ = ["model_config", "project_vars", "scoring_settings", "segmentation_settings"]
