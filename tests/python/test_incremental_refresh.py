"""Incremental refresh (issue 13, item 3), in the style of Snowplow's integration tests: a full build on
days 1..N equals a full build on days 1..N-1 followed by an incremental build that adds day N, table by
table (quarantine and reconciliation included), compared with `audience.warehouse_diff`.

The fixture is the S demo data with the web and email events split into a directory of files per table:
`0000-history.csv` (every day before the last four, and the events dated in the future) and one CSV per
day for the last four days, named by the day. Day N's files carry the cases that cross the boundary:
an exact copy of a day N-1 event (duplicate_row), a later version of a day N-1 event (the day N-1 row
becomes duplicate_key), a late event dated day N-1, the second half of a session that starts before
midnight on day N-1, a row without event_id and a malformed CSV line.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import DemoData, run_dbt

from audience.warehouse_diff import diff_warehouses

pytestmark = pytest.mark.dbt

EVENT_TABLES = ("web_events", "email_events")
DAYS = 4
AS_OF_DATE = "2026-07-01"
# seeds and SQL models, without the data tests (the Python ML models read the SQL models and are rebuilt
# whole at every build); the incremental build runs the data tests too
SELECTION = ["build", "--exclude", "path:python_models+", "resource_type:test", "resource_type:unit_test"]
WITH_TESTS = ["build", "--exclude", "path:python_models+"]


def _read(path: Path) -> pd.DataFrame:
    with duckdb.connect() as con:
        return con.execute(f"select * from read_parquet('{path}')").df()


def _write_csv(frame: pd.DataFrame, path: Path, extra_lines: tuple[str, ...] = ()) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, date_format="%Y-%m-%d %H:%M:%S")
    if extra_lines:
        with path.open("a") as handle:
            handle.writelines(line + "\n" for line in extra_lines)


def _last_day_cases(events: pd.DataFrame, day_n: pd.Timestamp, table: str) -> dict[str, pd.DataFrame]:
    """Rows added to day N-1 (`before`) and to day N (`day_n`) of one event table, and the rows they copy
    or correct (`copied`, `corrected`): the boundary cases of the module docstring."""
    day_before = events[events["occurred_at"].dt.normalize() == day_n - pd.Timedelta(days=1)]
    day_before = day_before.sort_values("event_id")
    copied, corrected, neighbour = (day_before.iloc[[i]].copy() for i in (0, 1, -1))
    correction = corrected.assign(occurred_at=day_n + pd.Timedelta(minutes=5))
    late = neighbour.assign(
        event_id=f"late-{table}", occurred_at=neighbour["occurred_at"] + pd.Timedelta(minutes=3)
    )
    no_key = neighbour.assign(event_id=None, occurred_at=day_n + pd.Timedelta(hours=1))
    cases = {
        "copied": copied,
        "corrected": corrected,
        "before": [no_key.assign(occurred_at=day_n - pd.Timedelta(hours=2))],
        "day_n": [copied, correction, late, no_key],
    }
    if table == "web_events":
        evening = neighbour.assign(
            event_id="midnight-1", anonymous_id="anon-midnight", occurred_at=day_n - pd.Timedelta(minutes=5)
        )
        cases["before"].append(evening)
        cases["day_n"].append(
            evening.assign(event_id="midnight-2", occurred_at=day_n + pd.Timedelta(minutes=10))
        )
    return cases


def split_into_daily_files(source: Path, target: Path) -> dict:
    """Copy the raw files of `source` to `target`, the event tables as daily CSV files; returns day N, its
    files and per event table the ids of the copied and the corrected event."""
    target.mkdir(parents=True)
    for path in source.iterdir():
        if path.name.split(".")[0] not in EVENT_TABLES:
            shutil.copy(path, target / path.name)
    frames = {table: _read(source / f"{table}.parquet") for table in EVENT_TABLES}
    latest = (frame.loc[frame["occurred_at"] < AS_OF_DATE, "occurred_at"].max() for frame in frames.values())
    day_n = min(latest).normalize()
    split: dict = {"day_n": day_n, "day_files": [], "ids": {}}
    for table, events in frames.items():
        days = events["occurred_at"].dt.normalize()
        cases = _last_day_cases(events, day_n, table)
        split["ids"][table] = {case: cases[case]["event_id"].iloc[0] for case in ("copied", "corrected")}
        history = events[(days < day_n - pd.Timedelta(days=DAYS - 1)) | (days > day_n)]
        _write_csv(history, target / table / "0000-history.csv")
        for offset in range(DAYS - 1, -1, -1):
            day = day_n - pd.Timedelta(days=offset)
            rows = events[days == day]
            extra: tuple[str, ...] = ()
            if offset == 1:
                rows = pd.concat([rows, *cases["before"]])
            if offset == 0:
                rows = pd.concat([rows, *cases["day_n"]])
                extra = (f"malformed-{table},a line with too few fields",)
            path = target / table / f"{day:%Y-%m-%d}.csv"
            _write_csv(rows, path, extra)
            if offset == 0:
                split["day_files"].append(path)
    return split


@pytest.fixture(scope="module")
def builds(demo_s: DemoData, tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("incremental")
    raw_dir = root / "raw"
    split = split_into_daily_files(demo_s.raw_dir, raw_dir)
    dbt_vars = {"as_of_date": AS_OF_DATE, "incremental_refresh": True}
    full = run_dbt(SELECTION, raw_dir=raw_dir, work_dir=root / "full", dbt_vars=dbt_vars)
    # the same directory (the quarantine names the files), without day N's files, then with them again
    held = root / "held"
    for path in split["day_files"]:
        (held / path.parent.name).mkdir(parents=True)
        path.rename(held / path.parent.name / path.name)
    run_dbt(SELECTION, raw_dir=raw_dir, work_dir=root / "incremental", dbt_vars=dbt_vars)
    for path in split["day_files"]:
        (held / path.parent.name / path.name).rename(path)
    incremental = run_dbt(WITH_TESTS, raw_dir=raw_dir, work_dir=root / "incremental", dbt_vars=dbt_vars)
    return {**split, "full": full, "incremental": incremental, "root": root}


def _compiled(run_dir: Path, model: str) -> str:
    results = json.loads((run_dir / "target" / "run_results.json").read_text())
    (result,) = [r for r in results["results"] if r["unique_id"].endswith("." + model)]
    return result["compiled_code"]


def test_the_incremental_build_loads_only_day_n(builds: dict) -> None:
    # the second run was incremental: the base models read day N's file and the loaded rows of its keys
    for table, day_file in zip(EVENT_TABLES, builds["day_files"], strict=True):
        model = "base_web__events" if table == "web_events" else "base_email__events"
        compiled = _compiled(builds["root"] / "incremental", model)
        batch = compiled.split("raw_keyed as")[1].split("raw_repeated_keys as")[0]
        assert f"_raw_file in ('{day_file}')" in batch
        assert "0000-history.csv'" not in batch
    # the downstream models rebuilt a window
    for model in (
        "int_web_session_slices_aggregated",
        "int_web_sessions_stitched",
        "int_customer_email_days_aggregated",
    ):
        assert "-infinity" in _compiled(builds["root"] / "incremental", model), model


@pytest.mark.parametrize("table", EVENT_TABLES)
def test_the_boundary_cases_are_in_the_fixture(builds: dict, table: str) -> None:
    # the cases must be there, or the equality below would prove less than it claims
    base = "staging.base_web__events" if table == "web_events" else "staging.base_email__events"
    day_n = f"%/{table}/{builds['day_n']:%Y-%m-%d}.csv"
    ids = builds["ids"][table]
    rows = builds["full"].query(
        f"""select event_id, _raw_file like '{day_n}' as on_day_n, reject_reason from {base}
        where event_id in ('{ids["copied"]}', '{ids["corrected"]}', 'late-{table}') order by all"""
    )
    assert sorted(rows, key=str) == sorted(
        [
            (ids["copied"], False, None),
            (ids["copied"], True, "duplicate_row"),
            (ids["corrected"], False, "duplicate_key"),
            (ids["corrected"], True, None),
            (f"late-{table}", True, None),
        ],
        key=str,
    )
    malformed = builds["full"].query(
        f"""select count(*) from {base}
        where reject_reason = 'malformed_row' and raw_values ->> 'raw_text' like 'malformed-{table},%'"""
    )
    assert malformed == [(1,)]
    if table == "web_events":
        midnight = builds["full"].query(
            "select events from intermediate.int_web_sessions_stitched where anonymous_id = 'anon-midnight'"
        )
        assert midnight == [(2,)]


def test_full_build_equals_incremental_build_table_by_table(builds: dict) -> None:
    diff = diff_warehouses(builds["full"].warehouse, builds["incremental"].warehouse, threads=1)
    assert diff.is_equal, diff.report()
    names = {relation.relation for relation in diff.relations}
    assert {
        "staging.base_web__events",
        "staging.base_email__events",
        "intermediate.int_web_session_slices_aggregated",
        "intermediate.int_web_sessions_stitched",
        "intermediate.int_customer_email_days_aggregated",
        "main.dq_quarantined_rows",
        "main.dq_source_reconciliation",
        "main.customer_features",
    } <= names


def test_an_incremental_build_fails_on_a_single_file_or_a_loaded_file_gone(
    builds: dict, tmp_path: Path
) -> None:
    raw_dir, work_dir = builds["day_files"][0].parents[1], builds["root"] / "incremental"
    dbt_vars = {"as_of_date": AS_OF_DATE, "incremental_refresh": True}
    compile_base = ["compile", "--select", "base_web__events"]
    day_file = builds["day_files"][0]
    moved = tmp_path / day_file.name
    day_file.rename(moved)
    try:
        gone = run_dbt(compile_base, raw_dir=raw_dir, work_dir=work_dir, dbt_vars=dbt_vars, check=False)
    finally:
        moved.rename(day_file)
    assert gone.returncode != 0
    assert f"the loaded file {day_file} is gone" in gone.output
    assert "--full-refresh" in gone.output
    # the same tables, web_events as one file: its content could change under the same name
    single = tmp_path / "raw"
    shutil.copytree(raw_dir, single, ignore=shutil.ignore_patterns("web_events"))
    shutil.copy(day_file, single / "web_events.csv")
    one_file = run_dbt(compile_base, raw_dir=single, work_dir=work_dir, dbt_vars=dbt_vars, check=False)
    assert one_file.returncode != 0
    assert f"raw table 'web_events' is the single file {single / 'web_events.csv'}" in one_file.output


def test_an_erasure_request_after_the_load_reaches_the_loaded_rows(builds: dict, tmp_path: Path) -> None:
    # last in the module: it adds an erasure request to the raw files and builds the incremental warehouse
    # again, which then rebuilds the event models whole and equals a full build with the request
    raw_dir = builds["day_files"][0].parents[1]
    ((customer,),) = builds["full"].query(
        """select customer_id from staging.base_email__events
        where reject_reason is null and customer_id is not null and _raw_file like '%0000-history.csv'
        order by customer_id limit 1"""
    )
    request = raw_dir / "erasure_requests.csv"
    request.write_text(
        f"subject_type,subject_id,email,requested_at\ncustomer,{customer},,2026-06-01 00:00:00\n"
    )
    dbt_vars = {"as_of_date": AS_OF_DATE, "incremental_refresh": True}
    try:
        full = run_dbt(SELECTION, raw_dir=raw_dir, work_dir=tmp_path / "full", dbt_vars=dbt_vars)
        incremental = run_dbt(
            SELECTION, raw_dir=raw_dir, work_dir=builds["root"] / "incremental", dbt_vars=dbt_vars
        )
        # while the request file is there: the view of the erased subjects reads it
        diff = diff_warehouses(full.warehouse, incremental.warehouse, threads=1)
    finally:
        request.unlink()
    compiled = _compiled(builds["root"] / "incremental", "int_web_sessions_stitched")
    assert "max(session_ended_at)" not in compiled
    assert diff.is_equal, diff.report()
    for base in ("staging.base_email__events", "staging.base_web__events"):
        assert incremental.query(f"select count(*) from {base} where customer_id = '{customer}'") == [(0,)]
    (erased,) = incremental.query(
        "select count(*) from staging.base_email__events where reject_reason = 'erased'"
    )
    assert erased[0] > 0
