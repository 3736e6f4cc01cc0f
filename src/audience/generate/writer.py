"""Writers of the raw contract tables: one file per table, written chunk by chunk.

Parquet (default): one ``pyarrow.parquet.ParquetWriter`` per table, one or more row groups per chunk,
snappy compression; low-cardinality strings are dictionary-encoded. Column types:

- ids and free text: ``string`` (``birth_date`` too, so unparseable dates can be planted);
- timestamps: ``timestamp[us]`` without time zone, holding UTC;
- money: ``decimal128(18, 2)`` (``unit_price``: ``decimal128(18, 4)``); counts: ``int32``; ``granted``: ``bool``.

CSV (``fmt="csv"``): same columns with a header, timestamps as ISO 8601 text ``YYYY-MM-DDTHH:MM:SSZ``,
strings quoted, nulls as empty unquoted fields, booleans ``true``/``false``. Both writers are
deterministic: the same tables give byte-identical files. A stale file of a table in the other format
is removed, so ``out_dir`` holds one file per table.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

_S = pa.string()
_D = pa.dictionary(pa.int32(), pa.string())
_TS = pa.timestamp("us")
_MONEY = pa.decimal128(18, 2)

#: Arrow schema of every raw contract table, columns in contract order.
SCHEMAS: dict[str, pa.Schema] = {
    "customers": pa.schema(
        [
            ("customer_id", _S),
            ("email", _S),
            ("phone", _S),
            ("first_name", _D),
            ("last_name", _D),
            ("birth_date", _S),
            ("gender", _D),
            ("postal_code", _S),
            ("city", _D),
            ("country_code", _D),
            ("created_at", _TS),
            ("account_id", _S),
        ]
    ),
    "leads": pa.schema(
        [
            ("lead_id", _S),
            ("account_id", _S),
            ("email", _S),
            ("first_name", _D),
            ("last_name", _D),
            ("job_title", _D),
            ("country_code", _D),
            ("lead_source", _D),
            ("created_at", _TS),
            ("status", _D),
            ("converted_at", _TS),
            ("opportunity_amount", _MONEY),
        ]
    ),
    "consents": pa.schema(
        [
            ("subject_type", _D),
            ("subject_id", _S),
            ("purpose", _D),
            ("granted", pa.bool_()),
            ("recorded_at", _TS),
        ]
    ),
    "survey_responses": pa.schema(
        [("customer_id", _S), ("question_key", _D), ("answer", _D), ("answered_at", _TS)]
    ),
    "orders": pa.schema(
        [
            ("order_id", _S),
            ("customer_id", _S),
            ("ordered_at", _TS),
            ("amount", _MONEY),
            ("currency", _D),
            ("status", _D),
            ("channel", _D),
        ]
    ),
    "order_items": pa.schema(
        [
            ("order_id", _S),
            ("line_number", pa.int32()),
            ("product_id", _D),
            ("product_category", _D),
            ("quantity", pa.int32()),
            ("unit_price", pa.decimal128(18, 4)),
        ]
    ),
    "web_events": pa.schema(
        [
            ("event_id", _S),
            ("occurred_at", _TS),
            ("anonymous_id", _S),
            ("customer_id", _S),
            ("lead_id", _S),
            ("event_type", _D),
            ("page_url", _D),
            ("device_type", _D),
            ("utm_source", _D),
            ("utm_medium", _D),
            ("utm_campaign", _D),
        ]
    ),
    "email_events": pa.schema(
        [
            ("event_id", _S),
            ("occurred_at", _TS),
            ("customer_id", _S),
            ("lead_id", _S),
            ("campaign_id", _D),
            ("event_type", _D),
        ]
    ),
    "accounts": pa.schema(
        [
            ("account_id", _S),
            ("account_name", _S),
            ("domain", _S),
            ("industry", _D),
            ("employee_count", pa.int32()),
            ("annual_revenue", _MONEY),
            ("country_code", _D),
            ("founded_year", pa.int32()),
        ]
    ),
}

ROW_GROUP_SIZE = 1 << 20


def make_table(name: str, columns: dict[str, pa.Array]) -> pa.Table:
    """The chunk ``columns`` as a table of ``name``'s schema (order checked, types cast where needed)."""
    schema = SCHEMAS[name]
    if set(columns) != set(schema.names):
        raise ValueError(f"{name}: columns {sorted(columns)} differ from the contract {schema.names}")
    arrays = []
    for field in schema:
        arr = columns[field.name]
        if arr.type != field.type:
            arr = arr.cast(field.type)
        arrays.append(arr)
    return pa.Table.from_arrays(arrays, schema=schema)


def _csv_table(table: pa.Table) -> pa.Table:
    """Dictionary columns decoded and timestamps formatted as ISO 8601 UTC text, for the CSV writer."""
    arrays, fields = [], []
    for field, col in zip(table.schema, table.columns, strict=True):
        if pa.types.is_dictionary(field.type):
            col = col.cast(pa.string())
        elif pa.types.is_timestamp(field.type):
            col = pc.strftime(col.cast(pa.timestamp("s")), format="%Y-%m-%dT%H:%M:%SZ")
        arrays.append(col)
        fields.append(pa.field(field.name, col.type))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


class TableSink:
    """Writes each contract table to ``out_dir/<table>.<fmt>``, appending chunks as they come."""

    def __init__(self, out_dir: str | Path, fmt: str = "parquet") -> None:
        if fmt not in ("parquet", "csv"):
            raise ValueError(f"unknown format {fmt!r} (parquet or csv)")
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.fmt = fmt
        for name in SCHEMAS:  # one file per table: drop a stale file of the other format
            (self.out_dir / f"{name}.{'csv' if fmt == 'parquet' else 'parquet'}").unlink(missing_ok=True)
        self.rows: dict[str, int] = dict.fromkeys(SCHEMAS, 0)
        self._writers: dict[str, pq.ParquetWriter | pa_csv.CSVWriter] = {}

    def path(self, name: str) -> Path:
        """File of table ``name``."""
        return self.out_dir / f"{name}.{self.fmt}"

    def _writer(self, name: str, table: pa.Table) -> pq.ParquetWriter | pa_csv.CSVWriter:
        if name not in self._writers:
            path = self.path(name)
            path.unlink(missing_ok=True)
            if self.fmt == "parquet":
                self._writers[name] = pq.ParquetWriter(path, SCHEMAS[name], compression="snappy")
            else:
                self._writers[name] = pa_csv.CSVWriter(path, table.schema)
        return self._writers[name]

    def write(self, name: str, columns: dict[str, pa.Array] | pa.Table) -> None:
        """Append one chunk of table ``name``."""
        table = columns if isinstance(columns, pa.Table) else make_table(name, columns)
        if table.num_rows == 0:
            return
        if self.fmt == "csv":
            table = _csv_table(table)
            self._writer(name, table).write_table(table)
        else:
            self._writer(name, table).write_table(table, row_group_size=ROW_GROUP_SIZE)
        self.rows[name] += table.num_rows

    def close(self) -> dict[str, int]:
        """Close every file (tables that got no rows are written empty); returns rows per table."""
        for name, schema in SCHEMAS.items():
            if name not in self._writers:
                empty = schema.empty_table()
                self._writer(name, _csv_table(empty) if self.fmt == "csv" else empty)
        for w in self._writers.values():
            w.close()
        self._writers.clear()
        return dict(self.rows)
