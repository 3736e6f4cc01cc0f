"""The newcomer path: what a new user types works as the README says, without extra flags.

- `dbt build --select +customer_rfm` on an orders-only raw directory passes (project flag
  `indirect_selection: cautious`: no test of a model the command did not build), and
  `--select customer_rfm+` on a built warehouse.
- Adding a feature as the README says reaches the models with
  `dbt build --select int_customer_features_joined+` (feature_registry depends on the marts it describes).
- `audience summary` names the models a build skipped and why.
- The README's settings table gives the values of dbt_project.yml; pyproject's Python range and the
  Makefile's agree (3.11 to 3.13).
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml
from conftest import BIN_DIR, PROJECT_DIR, DbtRun, DemoData, run_dbt

RAW_MINIMAL = PROJECT_DIR / "tests" / "fixtures" / "raw_minimal"


def _copy_project(target: Path) -> Path:
    """A copy of the dbt project's sources, to change without touching the real one."""
    target.mkdir(parents=True)
    for name in ["models", "macros", "seeds", "python_models", "tests/dbt", "analyses"]:
        shutil.copytree(PROJECT_DIR / name, target / name)
    for name in ["dbt_project.yml", "profiles.yml"]:
        shutil.copy(PROJECT_DIR / name, target / name)
    return target


@pytest.mark.dbt
def test_select_upstream_on_orders_only(tmp_path: Path) -> None:
    """`+customer_rfm` on a fresh warehouse: no test of a model the command did not build runs."""
    with (RAW_MINIMAL / "orders.csv").open() as handle:
        customers = {row["customer_id"] for row in csv.DictReader(handle) if row["customer_id"]}
    run = run_dbt(["build", "--select", "+customer_rfm"], raw_dir=RAW_MINIMAL, work_dir=tmp_path / "work")
    assert "ERROR=0" in run.output and "SKIP=0" in run.output
    assert run.query("select count(*) from main.customer_rfm") == [(len(customers),)]


@pytest.mark.dbt
def test_summary_names_the_skipped_models_and_why(tmp_path: Path) -> None:
    """Orders only, 2 customers: segmentation and both scores are skipped; the summary says why.
    Then `customer_rfm+` (downstream) rebuilds on that warehouse without extra flags."""
    work = tmp_path / "work"
    run = run_dbt(["build"], raw_dir=RAW_MINIMAL, work_dir=work)
    skipped_scores = run.query("select model_name, skip_reason from main.model_metrics where is_skipped")
    assert skipped_scores  # too few labels on 3 orders
    proc = subprocess.run(
        [str(BIN_DIR / "audience"), "summary"],
        env={
            "PATH": str(BIN_DIR),
            "WAREHOUSE_PATH": str(run.warehouse),
            "DBT_TARGET_PATH": str(work / "target"),
        },
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Skipped models (and why)" in out
    assert "fewer than the var segments_min_customers" in out
    for model_name, reason in skipped_scores:
        assert f"{model_name} scores" in out and reason in out
    assert "Lead grades: none (the lead model was skipped" in out

    downstream = run_dbt(["build", "--select", "customer_rfm+"], raw_dir=RAW_MINIMAL, work_dir=work)
    assert "ERROR=0" in downstream.output


@pytest.mark.dbt
def test_readme_feature_path_reaches_the_models(
    demo_s: DemoData, demo_s_build: DbtRun, tmp_path: Path
) -> None:
    """README "Adding a feature": the column in int_customer_features_joined.sql (both feature marts
    select it), one YAML entry in the marts' shared column list, then
    `dbt build --select int_customer_features_joined+` on the previous build."""
    project = _copy_project(tmp_path / "project")
    sql_path = project / "models" / "intermediate" / "customers" / "int_customer_features_joined.sql"
    sql = sql_path.read_text()
    assert sql.count("    rfm.last_purchase_date\nfrom customers") == 1
    sql_path.write_text(
        sql.replace(
            "    rfm.last_purchase_date\nfrom customers",
            # not a multiple of an existing feature: a near-duplicate would be left out of the fit
            "    rfm.last_purchase_date,\n    rfm.frequency * customers.tenure_days as frequency_by_tenure\nfrom customers",
        )
    )
    yml_path = project / "models" / "marts" / "features" / "_features__models.yml"
    anchor = "    columns: &customer_features_columns\n"
    text = yml_path.read_text()
    assert text.count(anchor) == 1  # customer_features_training reuses the list (*customer_features_columns)
    yml_path.write_text(
        text.replace(
            anchor,
            anchor
            + "      - name: frequency_by_tenure\n"
            + "        data_type: integer\n"
            + "        description: Frequency times tenure (a feature added by the newcomer test).\n"
            + "        data_tests: [not_null]\n"
            + "        meta: {feature: {role: numeric, use: [clustering]}}\n",
        )
    )

    work = tmp_path / "work"
    work.mkdir()
    shutil.copyfile(demo_s_build.warehouse, work / "warehouse.duckdb")  # the user's previous build
    run = run_dbt(
        ["build", "--select", "int_customer_features_joined+"],
        raw_dir=demo_s.raw_dir,
        work_dir=work,
        project_dir=project,
    )
    assert run.query(
        "select count(*) from main.feature_registry where feature_name = 'frequency_by_tenure' and use_case = 'clustering'"
    ) == [(2,)]  # customer_features and customer_features_training
    assert run.query(
        "select count(*) from ml.segment_scaler_params where source_feature = 'frequency_by_tenure'"
    ) == [(1,)]


def test_readme_settings_match_dbt_project() -> None:
    readme = (PROJECT_DIR / "README.md").read_text()
    variables = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    rows = re.findall(r"^\| `([a-z_]+)`(?:, `([a-z_]+)`)? \| ([^|]+) \|", readme, flags=re.MULTILINE)
    checked = 0
    for first, second, value in rows:
        value = value.strip()
        numbers = [int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", value)]
        names = [n for n in (first, second) if n]
        if not numbers or not all(isinstance(variables.get(n), int) for n in names):
            continue
        expected = numbers if len(numbers) == len(names) else numbers[:1] * len(names)  # "a, b | 42": both
        assert [variables[n] for n in names] == expected, f"README says {names} = {value}"
        checked += 1
    assert checked >= 8


def test_python_range_is_311_to_313() -> None:
    project = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())
    assert project["project"]["requires-python"] == ">=3.11,<3.14"
    makefile = (PROJECT_DIR / "Makefile").read_text()
    assert "(3, 11) <= sys.version_info[:2] <= (3, 13)" in makefile
    readme = (PROJECT_DIR / "README.md").read_text()
    assert "PYTHON=python3.13 make run" in readme


def test_make_says_which_python_it_needs() -> None:
    """`make` with an unusable interpreter stops with the versions it needs; with this one it passes."""
    missing = subprocess.run(
        ["make", "-s", "python", "PYTHON=/nonexistent/python3.9"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
    )
    assert missing.returncode != 0
    assert "needs Python 3.11, 3.12 or 3.13" in missing.stderr and "PYTHON=" in missing.stderr
    current = subprocess.run(
        ["make", "-s", "python", f"PYTHON={BIN_DIR / 'python'}"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
    )
    assert current.returncode == 0, current.stderr
