"""A SparkSession configured exactly as the dbt `spark` target of profiles.yml (one place for the settings)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

PROFILE_NAME = "audience_warehouse"


def spark_target(profiles_dir: Path | None = None, target: str = "spark") -> dict[str, Any]:
    """The `spark` output of profiles.yml, rendered by dbt's own renderer (env_var() and all)."""
    from dbt.config.profile import read_profile
    from dbt.config.renderer import ProfileRenderer
    from dbt_common.context import set_invocation_context

    set_invocation_context(dict(os.environ))  # env_var() reads the environment through it
    directory = profiles_dir or Path(os.environ.get("DBT_PROFILES_DIR", Path.cwd()))
    raw = read_profile(str(directory))
    outputs = raw[PROFILE_NAME]["outputs"]
    if target not in outputs:
        raise ValueError(f"profiles.yml in {directory} has no target '{target}' (has {sorted(outputs)})")
    return ProfileRenderer({}).render_data(outputs[target])


def spark_session(profiles_dir: Path | None = None, target: str = "spark"):
    """The local (or `spark.master`) SparkSession of the target, with its Hive metastore and warehouse dir.

    Only `method: session` is served here: on a cluster reached by Thrift, run the fit where a
    SparkSession exists (`spark-submit` of `audience fit`, or a Spark Connect session).
    """
    from pyspark.sql import SparkSession

    settings = spark_target(profiles_dir, target)
    if settings.get("method") != "session":
        raise RuntimeError(
            f"audience fit needs a SparkSession (profile method 'session'); target '{target}' uses "
            f"'{settings.get('method')}': run `audience fit` on the cluster (spark-submit) with SPARK_METHOD=session"
        )
    # the Python workers of mapInPandas (audience.spark.gbm) need this venv's interpreter and packages
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in (settings.get("server_side_parameters") or {}).items():
        builder = builder.config(str(key), str(value))
    # dbt-spark's session method sets this for every dbt connection; the fit reads the same SQL semantics
    builder = builder.config("spark.sql.ansi.enabled", "false")
    return builder.getOrCreate()
