"""Cheaper tests, same guarantees (issue 13, item 4): a not_null that moved from a data test to an enforced
contract's constraint, and ranges folded into one `column_ranges` test per model, still fail the build
when broken. A copy of the project whose models are broken on purpose is built on the S demo data.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import PROJECT_DIR, DemoData, run_dbt

pytestmark = pytest.mark.dbt

# model file -> (column, the broken expression that replaces it)
BREAKS = {
    "models/marts/engagement/customer_engagement_flags.sql": ("engagement_tier", "cast(null as varchar)"),
    "models/marts/features/customer_rfm.sql": ("rfm_segment_map_version", "cast(null as integer)"),
    "models/marts/b2b/account_firmographics.sql": ("completeness_score", "completeness_score + 1.5"),
}


def _broken_project(target: Path) -> Path:
    """The project without venv, data and artifacts, with the models of BREAKS wrapped to break a column."""
    shutil.copytree(
        PROJECT_DIR,
        target,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "target", "logs", "data", "bench", "python", "*.duckdb*"
        ),
    )
    for relative, (column, expression) in BREAKS.items():
        path = target / relative
        original = path.read_text()
        path.write_text(
            f"select * replace ({expression} as {column})\nfrom (\n{original}\n) as original_model\n"
        )
    return target


@pytest.fixture(scope="module")
def broken_build(demo_s: DemoData, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("broken")
    project = _broken_project(root / "project")
    select = ["+customer_engagement_flags", "+customer_rfm", "+account_firmographics"]
    return run_dbt(
        [
            "build",
            "--select",
            *select,
            "--exclude",
            "path:python_models+",
            "resource_type:unit_test",
            "--store-failures",
        ],
        raw_dir=demo_s.raw_dir,
        work_dir=root / "dbt",
        project_dir=project,
        check=False,
    )


def test_the_build_fails(broken_build) -> None:
    assert broken_build.returncode != 0


@pytest.mark.parametrize(
    ("model", "column"),
    [("customer_engagement_flags", "engagement_tier"), ("customer_rfm", "rfm_segment_map_version")],
)
def test_a_null_in_a_contract_not_null_column_fails_the_model(broken_build, model: str, column: str) -> None:
    # the enforced contract creates the table with NOT NULL: the model itself fails, naming the column
    output = broken_build.output
    assert f"Failure in model {model}" in output
    # (the table is built as <model>__dbt_tmp, then renamed)
    assert re.search(rf"NOT NULL constraint failed: {model}(__dbt_tmp)?\.{column}", output), output[-3000:]


def test_a_folded_range_names_the_column_out_of_range(broken_build) -> None:
    output = broken_build.output
    failing = [
        line
        for line in output.splitlines()
        if "FAIL" in line and "column_ranges_account_firmographics" in line
    ]
    assert failing, output[-3000:]
    # --store-failures keeps the failing rows: one per column out of range, named
    ((schema, table),) = broken_build.query(
        "select schema_name, table_name from duckdb_tables() where table_name = 'column_ranges_account_firmographics'"
    )
    rows = broken_build.query(f'select column_name, rows_out_of_range from {schema}."{table}"')
    accounts = broken_build.query(
        "select count(*) from main.account_firmographics where completeness_score > 1"
    )
    assert rows == [("completeness_score", accounts[0][0])]
