"""The segment report: built from the published demo build, rendered in a real headless Chromium.

The browser test fails on any console error, uncaught exception, browser log error or network
request (the report must open offline), and on any chart whose traces drew no marks. It saves a
screenshot to reports/segment_report.png (git-ignored). Without Chromium it is skipped, except under
CI=true, where it fails: CI installs Chromium through `make test`.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import BIN_DIR, PROJECT_DIR, DbtRun

from audience.report import build_report, project_settings
from audience.report.browser import find_chromium, render
from audience.report.charts import SECTIONS, _deciles
from audience.report.data import NoData, Source

ALL_PANELS = [function.__name__ for _, functions in SECTIONS for function in functions]
SCREENSHOT = PROJECT_DIR / "reports" / "segment_report.png"


def _chromium() -> str:
    found = find_chromium()
    if not found:
        message = (
            "Chromium is missing: `make test` installs Debian's chromium (as root), or set CHROMIUM_PATH"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.fixture(scope="module")
def published_demo(demo_s_build: DbtRun, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo build published with the CLI, as `make run` does."""
    serving = tmp_path_factory.mktemp("serving")
    work = demo_s_build.warehouse.parent
    done = subprocess.run(
        [
            str(BIN_DIR / "audience"),
            "publish",
            "--warehouse",
            str(demo_s_build.warehouse),
            "--serving-dir",
            str(serving),
            "--run-results",
            str(work / "target" / "run_results.json"),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return serving / "audience.duckdb"


@pytest.fixture(scope="module")
def demo_report(published_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "segment_report.html"
    done = subprocess.run(
        [str(BIN_DIR / "audience"), "report", "--source", str(published_demo), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=PROJECT_DIR,
    )
    assert done.returncode == 0, done.stderr
    return out


def _expected_nodata(path: Path) -> set[str]:
    """The history panels need builds at two or more as-of dates; one demo build has one."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = {
            f"{schema}.{name}"
            for schema, name in con.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
        dates, transitions = 0, 0
        if "history.segment_membership_history" in tables:
            sql = "select count(distinct as_of_date) from history.segment_membership_history"
            dates = con.execute(sql).fetchone()[0]
        if "main.segment_transitions" in tables:
            sql = "select count(*) from main.segment_transitions where segmentation = 'cluster'"
            transitions = con.execute(sql).fetchone()[0]
    expected = set()
    if dates < 2:
        expected.add("segment_shares_over_time")
    if transitions == 0:
        expected.add("transition_matrix")
    return expected


@pytest.mark.dbt
def test_report_renders_every_chart_in_chromium(demo_report: Path, published_demo: Path) -> None:
    chromium = _chromium()
    html = demo_report.read_text()
    assert "<script src=" not in html  # offline: plotly.js is embedded (requests are checked in the browser)
    result = render(demo_report, SCREENSHOT, chromium=chromium)
    assert result.errors == [], result.errors
    nodata = _expected_nodata(published_demo)
    assert set(result.nodata) == nodata
    assert set(result.charts) == set(ALL_PANELS) - nodata
    for key, chart in result.charts.items():
        assert chart["rendered"] and chart["traces"] > 0, f"{key}: {chart}"
        assert chart["drawn"] == chart["traces"] and chart["marks"] > 0, f"{key} drew nothing: {chart}"
        assert chart["title"], f"{key} has no title"
    assert SCREENSHOT.exists() and SCREENSHOT.stat().st_size > 50_000
    assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.dbt
def test_report_figures_match_the_marts(published_demo: Path) -> None:
    """Chart data against independent queries of the published marts."""
    _, panels = build_report(published_demo, project_settings(PROJECT_DIR / "dbt_project.yml"))
    by_key = {panel.key: panel for panel in panels}
    with duckdb.connect(str(published_demo), read_only=True) as con:
        sizes = dict(
            con.execute("select segment_id, count(*) from main.customer_segments group by 1").fetchall()
        )
        names = dict(con.execute("select segment_id, segment_name from main.segment_profiles").fetchall())
        rfm_scored = con.execute(
            "select count(*) from main.customer_rfm where r_score is not null and f_score is not null"
        ).fetchone()[0]
        embedded = con.execute("select count(*) from ml.segment_embedding_2d").fetchone()[0]
        chosen_k = con.execute(
            "select k from ml.segment_model_selection where is_primary and is_chosen"
        ).fetchone()[0]
    bars = by_key["segment_sizes"].figure.data[0]
    assert dict(zip(bars.x, bars.y, strict=True)) == {f"{s}: {names[s]}": n for s, n in sizes.items()}
    grid = by_key["rfm_grid"].figure.data[0]
    assert np.nansum(np.asarray(grid.z, dtype=float)) == rfm_scored
    lines = [shape for shape in by_key["k_selection"].figure.layout.shapes if shape.type == "line"]
    assert lines and {line.x0 for line in lines} == {chosen_k}
    tsne = by_key["tsne_map"].figure.data
    assert sum(len(trace.x) for trace in tsne) == min(1000, embedded)
    for panel in panels:
        if panel.figure is not None:
            layout = panel.figure.layout
            assert layout.title.text, panel.key
            if panel.key != "k_selection":  # subplots: checked per axis below
                assert layout.xaxis.title.text and layout.yaxis.title.text, panel.key
    k_layout = by_key["k_selection"].figure.layout
    assert all(k_layout[f"{axis}{n}"].title.text for axis in ("xaxis", "yaxis") for n in ("", 2, 3, 4))


def test_report_on_an_empty_warehouse_gives_no_data_panels(tmp_path: Path) -> None:
    """Nothing built: every panel says why it has no data, and the page still renders cleanly."""
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    page, panels = build_report(empty, project_settings(PROJECT_DIR / "dbt_project.yml"))
    assert [p.key for p in panels] == ALL_PANELS
    assert all(p.figure is None and "does not exist" in p.reason for p in panels)
    out = tmp_path / "report.html"
    out.write_text(page)
    if find_chromium():
        result = render(out, tmp_path / "empty.png")
        assert result.errors == [] and result.charts == {} and result.nodata == ALL_PANELS


def test_history_panels_draw_from_the_history_marts(tmp_path: Path) -> None:
    """Two as-of dates in history.segment_membership_history and main.segment_transitions (issue 10's
    documented columns): shares over time and the transition matrix, with new and lost customers."""
    path = tmp_path / "segments_over_time.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema history")
        con.execute(
            """
            create table history.segment_membership_history as
            select * from (values
                (date '2026-05-01', 'c1', 0, 'lapsed'), (date '2026-05-01', 'c2', 0, 'lapsed'),
                (date '2026-05-01', 'c3', 1, 'loyal'),
                (date '2026-06-01', 'c1', 0, 'lapsed'), (date '2026-06-01', 'c2', 1, 'loyal'),
                (date '2026-06-01', 'c4', 1, 'loyal')
            ) as h (as_of_date, customer_id, segment_id, segment_name)
            """
        )
        con.execute(
            """
            create table main.segment_transitions as
            select * from (values
                ('cluster', date '2026-05-01', date '2026-06-01', '0', 'lapsed', '0', 'lapsed', 1),
                ('cluster', date '2026-05-01', date '2026-06-01', '0', 'lapsed', '1', 'loyal', 1),
                ('cluster', date '2026-05-01', date '2026-06-01', '1', 'loyal', null, null, 1),
                ('cluster', date '2026-05-01', date '2026-06-01', null, null, '1', 'loyal', 1),
                ('rfm', date '2026-05-01', date '2026-06-01', 'x', 'x', 'y', 'y', 9)
            ) as t (segmentation, from_as_of_date, to_as_of_date, from_segment, from_segment_name,
                    to_segment, to_segment_name, customers)
            """
        )
    page, panels = build_report(path, project_settings(PROJECT_DIR / "dbt_project.yml"))
    by_key = {panel.key: panel for panel in panels}
    shares = by_key["segment_shares_over_time"].figure
    assert {trace.name: [round(v) for v in trace.y] for trace in shares.data} == {
        "0: lapsed": [67, 33],
        "1: loyal": [33, 67],
    }
    matrix = by_key["transition_matrix"].figure.data[0]
    assert list(matrix.y) == ["lapsed", "loyal", "new (absent before)"]
    assert list(matrix.x) == ["lapsed", "loyal", "lost (absent after)"]
    assert np.asarray(matrix.text).tolist() == [[1, 1, 0], [0, 0, 1], [0, 1, 0]]
    if find_chromium():
        out = tmp_path / "report.html"
        out.write_text(page)
        result = render(out, tmp_path / "history.png")
        assert result.errors == []
        assert {"segment_shares_over_time", "transition_matrix"} <= set(result.charts)
        assert all(result.charts[k]["drawn"] == result.charts[k]["traces"] for k in result.charts)


def test_empty_and_missing_inputs_say_why(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create table segment_profiles (segment_id bigint, segment_name varchar, customers bigint)"
        )
    src = Source(path)
    try:
        empty = src.frame(
            "select * from main.segment_profiles", {"main.segment_profiles": ["segment_id"]}, empty="x"
        )
        no_column = src.frame("select 1", {"main.segment_profiles": ["customer_share"]})
        no_table = src.frame("select 1", {"ml.segment_embedding_2d": []})
    finally:
        src.close()
    assert empty == NoData("x")
    assert no_column == NoData("main.segment_profiles has no column(s) customer_share")
    assert "ml.segment_embedding_2d does not exist" in no_table.reason


def test_deciles_lift_and_rate() -> None:
    """20 leads, scores descending; the top 2 (first decile) convert, one more in decile 6."""
    scores = pd.DataFrame(
        {"probability": np.linspace(0.95, 0.0, 20), "converted": [1, 1] + [0] * 8 + [1] + [0] * 9}
    )
    table = _deciles(scores.sample(frac=1, random_state=0))  # input order must not matter
    base = 3 / 20
    assert table["leads"].tolist() == [2] * 10
    assert table["rate"].tolist() == [1.0, 0, 0, 0, 0, 0.5, 0, 0, 0, 0]
    assert table["cumulative_lift"].iloc[0] == pytest.approx(1 / base)
    assert table["cumulative_lift"].iloc[-1] == pytest.approx(1.0)
    assert table["cumulative_share"].iloc[4] == pytest.approx(0.5)
