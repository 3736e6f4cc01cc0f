"""Checks that hold for every built warehouse, shared by the build tests (demo, real data)."""

from __future__ import annotations

from conftest import DbtRun


def assert_no_nan_or_infinity(run: DbtRun) -> None:
    """No double or float column of any table or view of the warehouse holds NaN or +-infinity."""
    columns = run.query(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where data_type in ('DOUBLE', 'FLOAT', 'REAL') order by 1, 2, 3"
    )
    assert columns, "no floating-point column found"
    found = []
    for schema, table, column in columns:
        bad = run.query(
            f'select count(*) from "{schema}"."{table}" where isnan("{column}") or isinf("{column}")'
        )[0][0]
        if bad:
            found.append(f"{schema}.{table}.{column}: {bad} rows")
    assert not found, "NaN or infinity in: " + "; ".join(found)
