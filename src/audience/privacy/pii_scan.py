"""Email- and phone-shaped values in the tables BI reads (`audience pii-scan`; README "Privacy").

Every text column (VARCHAR, JSON, and lists and structs, read as their text) of every table of the given
schemas is searched in SQL for candidates, and each candidate is confirmed here:

* email: `local@domain.tld` anywhere in the value;
* phone, international: `+` or `00` and a country code, then at least 6 more digits (spaces, dots, dashes,
  slashes and brackets allowed between them), anywhere in the value: `+45 338064469`, `0049 30 1234567`;
* phone, national: a whole value (the column's, or a JSON string's, a list item's, a CSV field's) of 2 to 5
  digit groups split by one separator each: `020 7946 0958`, `(555) 123-4567`.

A confirmed phone has 7 to 15 digits and is not a date (`2024-10-09`, `09.10.2024`). Bare digit strings
(`5551234567`) are not reported: they cannot be told from numeric ids. Findings name the table, column,
kind and number of rows, never a value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb

EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
INTERNATIONAL_PHONE = re.compile(
    r"(?<![0-9A-Za-z+])(?:\+[1-9][0-9]{0,2}|00[1-9][0-9]{0,2}[ ./()-])[ ./()-]*[0-9](?:[ ./()-]?[0-9]){5,}"
)
NATIONAL_PHONE = re.compile(
    r"""(?:^|["'\[,]\s*)(\(?[0-9]{2,5}\)?(?:[ ./-][0-9]{2,5}){2,4})(?=\s*(?:$|["'\],]))"""
)
DATE = re.compile(r"^(?:[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}|[0-9]{1,2}[-/.][0-9]{1,2}[-/.][0-9]{2,4})$")

#: The same patterns for DuckDB's regexp_matches (RE2: no lookbehind), a superset of what is confirmed.
SQL_CANDIDATES = {
    "email": EMAIL.pattern,
    "phone": r"""(\+|00)[1-9][0-9 ./()-]{6,}|(^|["'\[,] *)\(?[0-9]{2,5}\)?([ ./-][0-9]{2,5}){2,4} *($|["'\],])""",
}
SCANNED_TYPES = ("VARCHAR", "JSON")


@dataclass(frozen=True)
class PiiFinding:
    """Rows of one column holding values of one kind (`email` or `phone`); no value is kept."""

    schema: str
    table: str
    column: str
    kind: str
    rows: int

    def __str__(self) -> str:
        return f"{self.schema}.{self.table}.{self.column}: {self.rows} row(s) with {self.kind}-shaped values"


def phone_shaped(text: str) -> bool:
    """Whether `text` contains a phone number by the rules of the module docstring."""
    for found in [m.group(0) for m in INTERNATIONAL_PHONE.finditer(text)] + [
        m.group(1) for m in NATIONAL_PHONE.finditer(text)
    ]:
        digits = sum(character.isdigit() for character in found)
        if 7 <= digits <= 15 and not DATE.match(found.strip()):
            return True
    return False


def email_shaped(text: str) -> bool:
    """Whether `text` contains an email address."""
    return EMAIL.search(text) is not None


CHECKS = {"email": email_shaped, "phone": phone_shaped}


def _text_columns(con: duckdb.DuckDBPyConnection, schemas: Iterable[str]) -> list[tuple[str, str, str]]:
    rows = con.execute(
        """
        select columns.table_schema, columns.table_name, columns.column_name, columns.data_type
        from information_schema.columns as columns
        inner join information_schema.tables as tables
            on columns.table_catalog = tables.table_catalog
            and columns.table_schema = tables.table_schema
            and columns.table_name = tables.table_name
        where tables.table_type = 'BASE TABLE' and columns.table_schema in (select unnest(?::varchar[]))
          and columns.table_catalog = current_database()
        order by all
        """,
        [list(schemas)],
    ).fetchall()
    return [
        (schema, table, column)
        for schema, table, column, data_type in rows
        if data_type.upper() in SCANNED_TYPES
        or data_type.upper().startswith(("STRUCT", "MAP"))
        or "[]" in data_type
    ]


def find_pii(con: duckdb.DuckDBPyConnection, schemas: Iterable[str] = ("main",)) -> list[PiiFinding]:
    """Every (table, column, kind) of `schemas` with email- or phone-shaped values, with its row count."""
    findings = []
    for schema, table, column in _text_columns(con, schemas):
        value = f'cast("{column}" as varchar)'
        for kind, pattern in SQL_CANDIDATES.items():
            candidates = con.execute(
                f"""
                select {value} as text, count(*) as rows
                from "{schema}"."{table}"
                where regexp_matches({value}, ?)
                group by all
                order by rows desc
                """,
                [pattern],
            ).fetchall()
            confirmed = [rows for text, rows in candidates if CHECKS[kind](text)]
            if confirmed:
                findings.append(PiiFinding(schema, table, column, kind, sum(confirmed)))
    return findings
