"""Shared fixtures: a real `dbt build` on a real DuckDB file, isolated per test.

`run_dbt` runs the dbt CLI of this venv in a subprocess with its own warehouse file, target and log
directories, so tests never share state with each other or with `make run`.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
BIN_DIR = Path(sys.executable).parent
# Spark's session for the Spark tests' small inputs: one shuffle partition, no whole-stage code generation
# (each query's Java compile costs more than it saves on a few thousand rows); profiles.yml reads these,
# each overridable from the environment
SPARK_SMALL_DATA_SETTINGS = {
    "SPARK_SHUFFLE_PARTITIONS": "1",
    "SPARK_WHOLESTAGE_CODEGEN": "false",
    "SPARK_DBT_THREADS": "2",
}


def spark_env(work: Path) -> dict[str, str]:
    """The environment of a Spark test's commands: its own Spark warehouse, metastore, dbt target and logs."""
    return {
        **os.environ,
        **{name: os.environ.get(name, value) for name, value in SPARK_SMALL_DATA_SETTINGS.items()},
        "SPARK_WAREHOUSE_DIR": str(work / "spark-warehouse"),
        "SPARK_METASTORE_DIR": str(work / "metastore_db"),
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "PYSPARK_PYTHON": sys.executable,
    }


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


def require_spark() -> None:
    """Skip a Spark test when pyspark, dbt-spark or Java is missing; with SPARK_TESTS_REQUIRED=1 (`make
    test-spark`, which installs the `.[spark]` extra) fail instead. `make test` does not install the extra:
    with the Spark test it took 38 minutes on 2 cores, over the CI budget (README "Running on Apache Spark")."""
    missing = [
        name
        for name, found in (
            ("pyspark", _installed("pyspark")),
            ("dbt-spark", _installed("dbt.adapters.spark")),
            ("java (Java 17)", shutil.which("java") is not None),
        )
        if not found
    ]
    if missing:
        message = f"Spark test: {', '.join(missing)} missing (`make spark-setup` installs the .[spark] extra)"
        if os.environ.get("SPARK_TESTS_REQUIRED") == "1":
            pytest.fail(message)
        pytest.skip(message)


ONLINE_RETAIL = PROJECT_DIR.parent / "shared" / "data" / "online_retail" / "online_retail.csv.gz"


@dataclass
class DbtRun:
    """The outcome of one dbt invocation: exit code, combined output and its warehouse file."""

    returncode: int
    output: str
    warehouse: Path

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql).fetchall()

    def frame(self, sql: str):
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql).df()


def dbt_command(
    args: list[str],
    *,
    raw_dir: Path,
    work_dir: Path,
    dbt_vars: dict | None = None,
    project_dir: Path = PROJECT_DIR,
) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of `dbt <args>` writing `work_dir/warehouse.duckdb` (see run_dbt)."""
    work_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "RAW_DATA_DIR": str(raw_dir),
        "WAREHOUSE_PATH": str(work_dir / "warehouse.duckdb"),
        "DBT_TARGET_PATH": str(work_dir / "target"),
        "DBT_LOG_PATH": str(work_dir / "logs"),
        "DBT_PROFILES_DIR": str(project_dir),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    command = [str(BIN_DIR / "dbt"), *args, "--project-dir", str(project_dir)]
    if dbt_vars:
        command += ["--vars", json.dumps(dbt_vars)]
    return command, env


def run_dbt(
    args: list[str],
    *,
    raw_dir: Path,
    work_dir: Path,
    dbt_vars: dict | None = None,
    project_dir: Path = PROJECT_DIR,
    check: bool = True,
) -> DbtRun:
    """Run `dbt <args>` against `raw_dir`, writing the warehouse and dbt artifacts under `work_dir`."""
    command, env = dbt_command(
        args, raw_dir=raw_dir, work_dir=work_dir, dbt_vars=dbt_vars, project_dir=project_dir
    )
    proc = subprocess.run(command, env=env, capture_output=True, text=True, cwd=project_dir)
    run = DbtRun(proc.returncode, proc.stdout + proc.stderr, work_dir / "warehouse.duckdb")
    if check and proc.returncode != 0:
        raise AssertionError(f"dbt {' '.join(args)} failed ({proc.returncode}):\n{run.output[-6000:]}")
    return run


@pytest.fixture
def dbt(tmp_path: Path) -> Callable[..., DbtRun]:
    """`dbt(args, raw_dir=..., dbt_vars=..., check=...)` with a fresh work dir per test."""
    counter = iter(range(1_000))

    def _run(args: list[str], *, raw_dir: Path, **kwargs) -> DbtRun:
        return run_dbt(args, raw_dir=raw_dir, work_dir=tmp_path / f"dbt{next(counter)}", **kwargs)

    return _run


@dataclass
class DemoData:
    raw_dir: Path
    truth_dir: Path


@pytest.fixture(scope="session")
def demo_s(tmp_path_factory: pytest.TempPathFactory) -> DemoData:
    """Demo data at scale S (seed 42), generated once per test session."""
    from audience.generate import generate

    root = tmp_path_factory.mktemp("demo_s")
    generate(scale="S", seed=42, out_dir=root / "raw", truth_dir=root / "truth")
    return DemoData(root / "raw", root / "truth")


@pytest.fixture(scope="session")
def demo_s_build(demo_s: DemoData, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DbtRun]:
    """One full `dbt build` of the S demo data, shared by the tests that only read its outputs."""
    run = run_dbt(["build"], raw_dir=demo_s.raw_dir, work_dir=tmp_path_factory.mktemp("demo_s_build"))
    yield run


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The Spark tests first: `pytest -n 2 --dist loadfile` hands out files in this order, so the
    longest file (one Spark process, about as long as the rest of one worker's share) starts at once
    and runs beside the others instead of after them."""
    items.sort(key=lambda item: item.path.name != "test_spark.py")
