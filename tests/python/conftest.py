"""Shared fixtures: a real `dbt build` on a real DuckDB file, isolated per test.

`run_dbt` runs the dbt CLI of this venv in a subprocess with its own warehouse file, target and log
directories, so tests never share state with each other or with `make run`. What the session's tests
share (SESSION_SHARED_ENV): the S demo data and its one build, read only (each worker reads its own
copy of the build), and dbt's parse, which dbt checks and redoes whenever it does not match.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
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


# What the pytest-xdist workers of one session share, in one directory made by the controller
# (SESSION_SHARED_ENV; the workers inherit its environment): the S demo data and its build (built once,
# not once per worker) and dbt's parse.
#
# dbt's partial parsing across the suite's dbt runs: a full parse of this project takes about 12 s more
# than a partial one, in each of the suite's ~100 dbt runs, each in a new target directory. After a run,
# its `partial_parse.msgpack` is kept in a directory shared by the pytest-xdist workers of this session,
# under a key of what dbt checks before it reuses one (the --vars, the command-line target, the profile's
# settings from the environment); a later run with the same key starts from it. dbt still checks every
# file's checksum, the vars, the profile and its own version, and parses again whatever differs: a stale
# or foreign file costs a full parse, never a wrong manifest. The warehouse path is part of the profile
# dbt checks, so the runs name it relative to their work directory (`warehouse.duckdb`, run there).
SESSION_SHARED_ENV = "AUDIENCE_TEST_SESSION_SHARED"
_PROFILE_ENV = ("DUCKDB_MEMORY_LIMIT", "DUCKDB_THREADS", "DUCKDB_TEMP_DIRECTORY")

# The suite's dbt runs score with the logistic regression only, unless a run passes `full_fit=True`: the
# search over the tree families is most of an S build's Python model time (about 50 of 82 thread-seconds of
# models), and most tests check tables, not which family wins. The runs that check the choice or the fit's
# quality keep the project's defaults: the shared S build (the Spark test applies its tree winner; the
# models' tests read it) and the Bank Marketing build (within 0.01 ROC AUC of the plain pipeline). A run's
# own `dbt_vars` override these.
QUICK_FIT_VARS = {"scoring_candidates": ["logistic_regression"]}
_created_shared: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    """One shared directory per test session, made by the controller (the xdist workers inherit it)."""
    if not os.environ.get(SESSION_SHARED_ENV):
        os.environ[SESSION_SHARED_ENV] = tempfile.mkdtemp(prefix="audience-tests-")
        _created_shared.append(os.environ[SESSION_SHARED_ENV])


def pytest_unconfigure(config: pytest.Config) -> None:
    for directory in _created_shared:
        shutil.rmtree(directory, ignore_errors=True)


@contextlib.contextmanager
def _session_shared(name: str) -> Iterator[Path]:
    """`<session shared dir>/<name>`, held under an exclusive lock (one worker makes it, the others wait)."""
    root = Path(os.environ[SESSION_SHARED_ENV])
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield root / name


def _parse_cache_file(args: list[str], dbt_vars: dict | None, project_dir: Path, env: dict) -> Path | None:
    directory = os.environ.get(SESSION_SHARED_ENV)
    if not directory:
        return None
    targets = [arg for i, arg in enumerate(args) if i and args[i - 1] in ("--target", "-t", "--profile")]
    key = json.dumps(
        [str(project_dir), dbt_vars or {}, targets, [env.get(name) for name in _PROFILE_ENV]], sort_keys=True
    )
    (Path(directory) / "dbt-parse").mkdir(exist_ok=True)
    return Path(directory) / "dbt-parse" / f"{hashlib.sha256(key.encode()).hexdigest()[:24]}.msgpack"


@dataclass
class DbtCommand:
    """A dbt command line, its environment and the directory to run it in (its work directory)."""

    args: list[str]
    env: dict[str, str]
    cwd: Path
    parse_cache: Path | None

    def prepare(self) -> None:
        """Start from the session's parse of the same key, when there is one and this target has none."""
        target = self.cwd / "target" / "partial_parse.msgpack"
        if self.parse_cache is not None and self.parse_cache.exists() and not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.parse_cache, target)

    def keep_parse(self) -> None:
        """Keep this run's parse for the later runs of the same key (the first one kept wins)."""
        target = self.cwd / "target" / "partial_parse.msgpack"
        if self.parse_cache is None or self.parse_cache.exists() or not target.exists():
            return
        partial = self.parse_cache.with_suffix(f".{os.getpid()}.tmp")
        shutil.copyfile(target, partial)
        os.replace(partial, self.parse_cache)


def dbt_command(
    args: list[str],
    *,
    raw_dir: Path,
    work_dir: Path,
    dbt_vars: dict | None = None,
    project_dir: Path = PROJECT_DIR,
    full_fit: bool = False,
) -> DbtCommand:
    """`dbt <args>` writing `work_dir/warehouse.duckdb` (see run_dbt): run it in `work_dir` (its `cwd`).
    Scores are fitted with QUICK_FIT_VARS unless `full_fit` (or the run's own vars say otherwise)."""
    work_dir.mkdir(parents=True, exist_ok=True)
    dbt_vars = dbt_vars if full_fit else {**QUICK_FIT_VARS, **(dbt_vars or {})}
    env = {
        **os.environ,
        "RAW_DATA_DIR": str(raw_dir),
        "WAREHOUSE_PATH": "warehouse.duckdb",  # in work_dir, the run's directory (see _parse_cache_file)
        "DBT_TARGET_PATH": str(work_dir / "target"),
        "DBT_LOG_PATH": str(work_dir / "logs"),
        "DBT_PROFILES_DIR": str(project_dir),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    command = [str(BIN_DIR / "dbt"), *args, "--project-dir", str(project_dir)]
    if dbt_vars:
        command += ["--vars", json.dumps(dbt_vars)]
    return DbtCommand(command, env, work_dir, _parse_cache_file(args, dbt_vars, project_dir, env))


def run_dbt(
    args: list[str],
    *,
    raw_dir: Path,
    work_dir: Path,
    dbt_vars: dict | None = None,
    project_dir: Path = PROJECT_DIR,
    check: bool = True,
    full_fit: bool = False,
) -> DbtRun:
    """Run `dbt <args>` against `raw_dir`, writing the warehouse and dbt artifacts under `work_dir`
    (scores fitted as `dbt_command` says)."""
    command = dbt_command(
        args,
        raw_dir=raw_dir,
        work_dir=work_dir,
        dbt_vars=dbt_vars,
        project_dir=project_dir,
        full_fit=full_fit,
    )
    command.prepare()
    proc = subprocess.run(command.args, env=command.env, capture_output=True, text=True, cwd=command.cwd)
    command.keep_parse()
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
def demo_s() -> DemoData:
    """Demo data at scale S (seed 42), generated once per test session (shared by the workers: read only)."""
    from audience.generate import generate

    with _session_shared("demo_s") as root:
        if not (root / "done").exists():
            shutil.rmtree(root, ignore_errors=True)
            generate(scale="S", seed=42, out_dir=root / "raw", truth_dir=root / "truth")
            (root / "done").touch()
    return DemoData(root / "raw", root / "truth")


@pytest.fixture(scope="session")
def demo_s_build(demo_s: DemoData, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DbtRun]:
    """One full `dbt build` of the S demo data, shared by the tests that only read its outputs: built once
    per test session, each worker reading its own copy (warehouse file and dbt target)."""
    with _session_shared("demo_s_build") as shared:
        if not (shared / "output.txt").exists():
            shutil.rmtree(shared, ignore_errors=True)
            run = run_dbt(["build"], raw_dir=demo_s.raw_dir, work_dir=shared, full_fit=True)
            (shared / "output.txt").write_text(run.output)
        work = tmp_path_factory.mktemp("demo_s_build")
        shutil.copyfile(shared / "warehouse.duckdb", work / "warehouse.duckdb")
        shutil.copytree(shared / "target", work / "target")
    yield DbtRun(0, (shared / "output.txt").read_text(), work / "warehouse.duckdb")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The Spark tests first: `pytest -n 2 --dist loadfile` hands out files in this order, so the
    longest file (one Spark process, about as long as the rest of one worker's share) starts at once
    and runs beside the others instead of after them."""
    items.sort(key=lambda item: item.path.name != "test_spark.py")
