"""`audience.warehouse_diff`: two small DuckDB files that differ in known ways, compared table by table."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from audience.cli import main as cli_main
from audience.warehouse_diff import diff_warehouses

BASE_SQL = """
create schema marts;
create table marts.customers (customer_id varchar, spend double, orders integer, built_at timestamp);
insert into marts.customers values
    ('c1', 0.3, 2, '2026-01-01 00:00:00'), ('c2', 10.5, 1, '2026-01-01 00:00:00'),
    ('c2', 10.5, 1, '2026-01-01 00:00:00'), ('c3', null, null, '2026-01-01 00:00:00');
create table main.events (event_id integer, tags varchar[], payload struct(k varchar, v double));
insert into main.events values (1, ['a', 'b'], {'k': 'x', 'v': 1.5}), (2, [], null);
create view marts.big_spenders as select customer_id from marts.customers where spend > 1;
"""


def _warehouse(path: Path, *statements: str) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute(BASE_SQL)
        for statement in statements:
            con.execute(statement)
    return path


def _by_name(diff) -> dict:
    return {relation.relation: relation for relation in diff.relations}


def test_identical_files_in_another_row_order_are_equal(tmp_path: Path) -> None:
    a = _warehouse(tmp_path / "a.duckdb")
    b = _warehouse(
        tmp_path / "b.duckdb",
        "create or replace table marts.customers as select * from marts.customers order by customer_id desc",
    )
    diff = diff_warehouses(a, b)
    assert diff.is_equal
    assert sorted(_by_name(diff)) == ["main.events", "marts.big_spenders", "marts.customers"]
    assert {relation.status for relation in diff.relations} == {"equal"}
    assert _by_name(diff)["marts.customers"].rows_a == 4


def test_a_duplicate_row_missing_is_a_difference(tmp_path: Path) -> None:
    # c2 twice in A, once in B: equal as sets, not as multisets
    a = _warehouse(tmp_path / "a.duckdb")
    b = _warehouse(
        tmp_path / "b.duckdb",
        "create or replace table marts.customers as select distinct * from marts.customers",
    )
    customers = _by_name(diff_warehouses(a, b))["marts.customers"]
    assert customers.status == "differs"
    assert (customers.rows_a, customers.rows_b) == (4, 3)
    assert (customers.rows_only_in_a, customers.rows_only_in_b) == (1, 0)
    assert customers.sample_only_in_a[0]["customer_id"] == "c2"


def test_doubles_are_compared_exactly_unless_a_tolerance_is_given(tmp_path: Path) -> None:
    a = _warehouse(tmp_path / "a.duckdb")
    b = _warehouse(
        tmp_path / "b.duckdb",
        "update marts.customers set spend = 0.1::double + 0.2::double where customer_id = 'c1'",
    )
    exact = _by_name(diff_warehouses(a, b))["marts.customers"]
    assert exact.status == "differs"
    assert (exact.rows_only_in_a, exact.rows_only_in_b) == (1, 1)
    assert exact.differing_columns == ["spend"]
    assert 0 < exact.max_float_difference < 1e-15
    tolerant = _by_name(diff_warehouses(a, b, tolerance=1e-12))["marts.customers"]
    assert tolerant.status == "equal_within_tolerance"
    assert diff_warehouses(a, b, tolerance=1e-12).is_equal


def test_a_tolerance_never_hides_a_change_outside_float_columns(tmp_path: Path) -> None:
    a = _warehouse(tmp_path / "a.duckdb")
    b = _warehouse(tmp_path / "b.duckdb", "update marts.customers set orders = 3 where customer_id = 'c1'")
    customers = _by_name(diff_warehouses(a, b, tolerance=1.0))["marts.customers"]
    assert customers.status == "differs"
    assert customers.differing_columns == ["orders"]


def test_a_large_float_change_stays_a_difference_with_a_tolerance(tmp_path: Path) -> None:
    a = _warehouse(tmp_path / "a.duckdb")
    b = _warehouse(tmp_path / "b.duckdb", "update marts.customers set spend = 10.6 where customer_id = 'c2'")
    customers = _by_name(diff_warehouses(a, b, tolerance=1e-9))["marts.customers"]
    assert customers.status == "differs"
    assert (customers.rows_only_in_a, customers.rows_only_in_b) == (2, 2)
    # relative to max(1, |a|, |b|): 0.1 / 10.6
    assert customers.max_float_difference == pytest.approx(0.1 / 10.6)


def test_ignored_columns_bare_or_qualified(tmp_path: Path) -> None:
    a = _warehouse(tmp_path / "a.duckdb")
    b = _warehouse(tmp_path / "b.duckdb", "update marts.customers set built_at = '2026-02-02 00:00:00'")
    assert not diff_warehouses(a, b).is_equal
    assert diff_warehouses(a, b, ignore_columns=["built_at"]).is_equal
    assert diff_warehouses(a, b, ignore_columns=["customers.built_at"]).is_equal
    assert diff_warehouses(a, b, ignore_columns=["marts.customers.built_at"]).is_equal
    assert not diff_warehouses(a, b, ignore_columns=["other.built_at"]).is_equal


def test_missing_relations_columns_types_and_nested_values_are_reported(tmp_path: Path) -> None:
    a = _warehouse(tmp_path / "a.duckdb", "create table main.only_here (x integer)")
    b = _warehouse(
        tmp_path / "b.duckdb",
        "alter table marts.customers add column segment varchar",
        "alter table marts.customers alter orders type bigint",
        "update main.events set tags = ['a', 'c'] where event_id = 1",
        "drop view marts.big_spenders",
        "create table marts.big_spenders as select 'c2' as customer_id union all select 'c2'",
    )
    diff = _by_name(diff_warehouses(a, b))
    assert diff["main.only_here"].status == "only_in_a"
    # a relation only in A stays a difference with ignore_new; one only in B does not
    assert not _by_name(diff_warehouses(a, b, ignore_new=True))["main.only_here"].is_equal
    assert _by_name(diff_warehouses(b, a, ignore_new=True))["main.only_here"].is_equal
    customers = diff["marts.customers"]
    assert customers.status == "differs"
    assert customers.columns_only_in_b == ["segment"]
    assert customers.type_differences == {"orders": ("INTEGER", "BIGINT")}
    assert (customers.rows_only_in_a, customers.rows_only_in_b) == (0, 0)
    events = diff["main.events"]
    assert (events.status, events.differing_columns) == ("differs", ["tags"])
    # a view that became a table with the same rows is equal (the kinds are reported)
    spenders = diff["marts.big_spenders"]
    assert (spenders.status, spenders.kind_a, spenders.kind_b) == ("equal", "view", "table")


def test_include_and_exclude_select_relations(tmp_path: Path) -> None:
    a = _warehouse(tmp_path / "a.duckdb")
    b = _warehouse(tmp_path / "b.duckdb", "delete from main.events")
    assert not diff_warehouses(a, b).is_equal
    assert diff_warehouses(a, b, include=["marts.*"]).is_equal
    assert diff_warehouses(a, b, exclude=["main.events"]).is_equal
    assert [r.relation for r in diff_warehouses(a, b, include=["marts.*"]).relations] == [
        "marts.big_spenders",
        "marts.customers",
    ]


def test_cli_exit_code_and_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = _warehouse(tmp_path / "a.duckdb")
    b = _warehouse(tmp_path / "b.duckdb", "update marts.customers set built_at = now()")
    assert cli_main(["diff-warehouses", str(a), str(b)]) == 1
    report = capsys.readouterr().out
    assert "differs" in report and "marts.customers" in report and "DIFFERENT: 1 relation(s)" in report
    json_out = tmp_path / "diff.json"
    assert (
        cli_main(["diff-warehouses", str(a), str(b), "--ignore-columns", "built_at", "--json", str(json_out)])
        == 0
    )
    assert capsys.readouterr().out.rstrip().endswith("IDENTICAL")
    assert '"status": "equal"' in json_out.read_text()


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    a = _warehouse(tmp_path / "a.duckdb")
    with pytest.raises(FileNotFoundError, match="no DuckDB file at"):
        diff_warehouses(a, tmp_path / "missing.duckdb")
