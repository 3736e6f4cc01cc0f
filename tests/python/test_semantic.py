"""The semantic layer against the demo build: `mf validate-configs`, `mf query` equal to direct SQL,
and `dbt docs generate` (catalog, exposures).

`mf` reads `<project>/target/semantic_manifest.json` (it ignores DBT_TARGET_PATH) and opens the
warehouse read-write, so the test runs it in a throw-away project directory (symlinks to the real
project's folders, its own target/) on a copy of the demo warehouse: nothing shared is touched.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from conftest import BIN_DIR, PROJECT_DIR, DbtRun, DemoData

PROJECT_ENTRIES = [
    "models", "macros", "seeds", "analyses", "tests", "python_models", "dbt_project.yml", "profiles.yml",
]  # fmt: skip


@pytest.fixture(scope="module")
def semantic_project(
    demo_s: DemoData, demo_s_build: DbtRun, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict]:
    """A project directory of symlinks with its own target/, a copy of the demo warehouse, parsed."""
    root = tmp_path_factory.mktemp("semantic_project")
    for entry in PROJECT_ENTRIES:
        (root / entry).symlink_to(PROJECT_DIR / entry)
    warehouse = root / "warehouse.duckdb"
    shutil.copyfile(demo_s_build.warehouse, warehouse)
    env = {
        **os.environ,
        "WAREHOUSE_PATH": str(warehouse),
        "RAW_DATA_DIR": str(demo_s.raw_dir),
        "DBT_PROFILES_DIR": str(root),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    for name in ("DBT_TARGET_PATH", "DBT_LOG_PATH"):
        env.pop(name, None)
    _run(["dbt", "parse"], root, env)
    return root, env


def _run(command: list[str], cwd: Path, env: dict) -> str:
    proc = subprocess.run(
        [str(BIN_DIR / command[0]), *command[1:]], cwd=cwd, env=env, capture_output=True, text=True
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{' '.join(command)} failed ({proc.returncode}):\n{output[-4000:]}"
    return output


def _mf_query(root: Path, env: dict, metrics: str, group_by: str | None = None) -> list[dict]:
    out = root / f"mf_{metrics.replace(',', '_')}.csv"
    command = ["mf", "query", "--metrics", metrics, "--csv", str(out)]
    if group_by:
        command += ["--group-by", group_by]
    _run(command, root, env)
    with out.open() as handle:
        return list(csv.DictReader(handle))


@pytest.mark.dbt
def test_mf_validate_configs_passes_with_warehouse_checks(semantic_project: tuple[Path, dict]) -> None:
    root, env = semantic_project
    output = _run(["mf", "validate-configs"], root, env)
    assert "Successfully validated semantic models against data warehouse" in output
    assert "Successfully validated metrics against data warehouse" in output


@pytest.mark.dbt
def test_mf_query_by_segment_equals_direct_sql(semantic_project: tuple[Path, dict]) -> None:
    root, env = semantic_project
    rows = _mf_query(root, env, "customers,revenue,mean_propensity", "customer__segment_name")
    with duckdb.connect(env["WAREHOUSE_PATH"], read_only=True) as con:
        expected = {
            name: (customers, float(revenue or 0), propensity)
            for name, customers, revenue, propensity in con.execute(
                """
                with per_customer as (
                    select segments.segment_name, segments.customer_id, rfm.monetary_total, scores.probability
                    from main.customer_segments as segments
                    left join main.customer_rfm as rfm on rfm.customer_id = segments.customer_id
                    left join main.customer_propensity_scores as scores on scores.customer_id = segments.customer_id
                )
                select segment_name, count(distinct customer_id), sum(monetary_total), avg(probability)
                from per_customer group by segment_name
                """
            ).fetchall()
        }
        unsegmented = con.execute(
            """
            select count(*) from main.customer_rfm
            where customer_id not in (select customer_id from main.customer_segments)
            """
        ).fetchone()[0]
        shares = dict(
            con.execute(
                """
                select segment_name, count(*) / sum(count(*)) over ()
                from main.customer_segments group by segment_name
                """
            ).fetchall()
        )
        audience_sizes = dict(
            con.execute("select audience_name, count(*) from main.audience_members group by 1").fetchall()
        )
        rate = con.execute(
            "select avg(case when is_converted_within_horizon then 1.0 else 0.0 end) "
            "from main.lead_conversion_labels where is_labelled"
        ).fetchone()[0]
    assert unsegmented == 0  # otherwise MetricFlow adds a row for customers without a segment
    got = {
        row["customer__segment_name"]: (
            int(row["customers"]),
            float(row["revenue"]),
            float(row["mean_propensity"]),
        )
        for row in rows
    }
    assert set(got) == set(expected) and len(got) >= 2
    for name, (customers, revenue, propensity) in expected.items():
        assert got[name][0] == customers
        assert got[name][1] == pytest.approx(revenue, rel=1e-9)
        assert got[name][2] == pytest.approx(propensity, rel=1e-9)

    share_rows = _mf_query(root, env, "segment_share", "segment__profile_segment_name")
    got_shares = {row["segment__profile_segment_name"]: float(row["segment_share"]) for row in share_rows}
    assert got_shares == pytest.approx(shares, abs=1e-9)
    audience_rows = _mf_query(root, env, "audience_size", "audience_membership__audience_name")
    got_sizes = {
        row["audience_membership__audience_name"]: int(row["audience_size"]) for row in audience_rows
    }
    assert got_sizes == audience_sizes and audience_sizes
    (conversion,) = _mf_query(root, env, "lead_conversion_rate")
    assert float(conversion["lead_conversion_rate"]) == pytest.approx(rate, rel=1e-9)


@pytest.mark.dbt
def test_dbt_docs_generate_passes(semantic_project: tuple[Path, dict]) -> None:
    root, env = semantic_project
    _run(["dbt", "docs", "generate"], root, env)
    catalog = json.loads((root / "target" / "catalog.json").read_text())
    manifest = json.loads((root / "target" / "manifest.json").read_text())
    in_catalog = {node["metadata"]["name"] for node in catalog["nodes"].values()}
    assert {"segment_profiles", "customer_rfm", "lead_scores", "metricflow_time_spine"} <= in_catalog
    exposures = {exposure["name"] for exposure in manifest["exposures"].values()}
    assert exposures == {"segment_report", "audience_exports", "bi_serving_file"}
    assert {
        "customers",
        "segment_share",
        "revenue",
        "mean_propensity",
        "lead_conversion_rate",
        "audience_size",
    } <= {metric["name"] for metric in manifest["metrics"].values()}
