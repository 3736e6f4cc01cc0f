"""`audience summary`: a short, plain-text account of what the last `dbt build` produced."""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb

from audience.warehouse import connect_read_only, table_exists


def _print_table(title: str, header: list[str], rows: list[tuple]) -> None:
    print(f"\n{title}")
    cells = [header] + [
        ["" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v)) for v in r] for r in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    for n, row in enumerate(cells):
        print("  " + "  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)))
        if n == 0:
            print("  " + "  ".join("-" * width for width in widths))


def _rows(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> int | None:
    if not table_exists(con, schema, table):
        return None
    return con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]


def skipped_models(con: duckdb.DuckDBPyConnection, run_results: Path | None = None) -> list[tuple[str, str]]:
    """(model, why) for every model the last build skipped: guardrails (too little data), nodes dbt
    skipped after an upstream failure, and the model marts that were not built at all."""
    skipped: list[tuple[str, str]] = []
    run_results = run_results or Path(os.environ.get("DBT_TARGET_PATH", "target")) / "run_results.json"
    if run_results.exists():
        for result in json.loads(run_results.read_text()).get("results", []):
            unique_id = result.get("unique_id", "")
            if result.get("status") == "skipped" and unique_id.startswith("model."):
                skipped.append((unique_id.split(".")[-1], "dbt skipped it: an upstream model or test failed"))
    segments = _rows(con, "main", "segment_profiles")
    customers = _rows(con, "main", "customer_features")
    if segments is None:
        skipped.append(("segmentation (segment_*)", "not built: main.segment_profiles does not exist"))
    elif segments == 0:
        skipped.append(
            (
                "segmentation (segment_*)",
                f"{customers or 0} customers with features, fewer than the var segments_min_customers "
                "(dbt_project.yml): its tables are empty",
            )
        )
    if table_exists(con, "main", "model_metrics"):
        for model_name, reason in con.execute(
            "select model_name, skip_reason from main.model_metrics where is_skipped order by model_name"
        ).fetchall():
            skipped.append((f"{model_name} scores", reason or "skipped (no reason recorded)"))
    else:
        skipped.append(("lead and propensity scores", "not built: main.model_metrics does not exist"))
    return skipped


def print_summary() -> None:
    """Print source reconciliation, mart sizes, segments, lead grades and the models skipped (and why)."""
    with connect_read_only() as con:
        if table_exists(con, "main", "dq_source_reconciliation"):
            rows = con.execute(
                """
                select table_name, any_value(raw_rows), any_value(clean_rows), any_value(quarantined_rows),
                    any_value(erased_rows), bool_and(is_reconciled)
                from main.dq_source_reconciliation group by table_name order by table_name
                """
            ).fetchall()
            _print_table(
                "Sources (raw = clean + quarantined + erased)",
                ["table", "raw", "clean", "quarantined", "erased", "ok"],
                rows,
            )
        marts = con.execute(
            "select table_name from information_schema.tables where table_schema = 'main' order by table_name"
        ).fetchall()
        sizes = [
            (name, con.execute(f'select count(*) from main."{name}"').fetchone()[0]) for (name,) in marts
        ]
        _print_table("Marts (schema main)", ["table", "rows"], sizes)
        if table_exists(con, "main", "segment_profiles"):
            rows = con.execute(
                """
                select segment_id, segment_name, customers, cast(round(100 * customer_share, 1) as varchar)
                from main.segment_profiles order by segment_id
                """
            ).fetchall()
            _print_table("Customer segments", ["id", "name", "customers", "share %"], rows)
        if table_exists(con, "main", "lead_scores"):
            rows = con.execute(
                "select grade, count(*), round(avg(probability), 3) from main.lead_scores group by grade order by grade"
            ).fetchall()
            if rows:
                _print_table("Lead grades", ["grade", "leads", "mean probability"], rows)
            else:
                print("\nLead grades: none (the lead model was skipped: see below)")
        skipped = skipped_models(con)
        if skipped:
            _print_table("Skipped models (and why)", ["model", "why"], skipped)
        else:
            print("\nNo model was skipped.")
