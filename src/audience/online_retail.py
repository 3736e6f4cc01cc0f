"""Import the UCI Online Retail export (real invoice lines) into the raw contract, with DuckDB SQL.

Source: ``online_retail.csv.gz`` (InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice,
CustomerID, Country; 541,909 lines). Read as text (``all_varchar``), then cast explicitly:

- ``orders.parquet``: one row per InvoiceNo. ``customer_id`` = CustomerID without its ``.0`` (NULL when
  empty), ``ordered_at`` = the earliest InvoiceDate of the invoice (43 invoices span two minutes),
  ``amount`` = sum(Quantity * UnitPrice) rounded to 2 decimals, ``currency`` GBP, ``status`` cancelled
  when InvoiceNo starts with ``C`` else completed (the 3 bad-debt adjustments ``A...`` stay completed;
  they have no customer), ``channel`` online.
- ``order_items.parquet``: one row per line: ``line_number`` = position of the line within its invoice
  in file order, ``product_id`` = StockCode, ``product_category`` NULL, ``quantity``, ``unit_price``.
- ``customers.parquet``: one row per CustomerID: ``country_code`` = the Country text of its first
  invoice (earliest InvoiceDate, then file order; 8 customers appear under two countries), as written
  ("EIRE", "RSA", "Channel Islands", ...): staging maps names and aliases to ISO codes and nulls
  unknown ones with a reason; ``created_at`` = its first InvoiceDate. Other optional customer columns
  are absent from the file.

InvoiceDate is UK local time without an offset; it is written unchanged as a UTC timestamp (at most one
hour off during British Summer Time). Lines without a customer are kept: their invoices become orders
with a NULL ``customer_id`` (staging quarantines them as missing_required_value and their lines as
parent_quarantined). In this file no invoice mixes lines with and without a customer; were one to, the
order would take the customer of its first line that has one (the count is returned as
``mixed_invoices``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import duckdb

_LINES = """
create temp table lines as
select
    file_row,
    trim(InvoiceNo) as invoice_no,
    row_number() over (partition by trim(InvoiceNo) order by file_row)::integer as line_number,
    trim(StockCode) as stock_code,
    cast(trim(Quantity) as integer) as quantity,
    cast(trim(InvoiceDate) as timestamp) as invoice_date,
    cast(trim(UnitPrice) as decimal(18, 4)) as unit_price,
    nullif(regexp_replace(trim(coalesce(CustomerID, '')), '\\.0$', ''), '') as customer_id,
    nullif(trim(Country), '') as country
from (
    select row_number() over () as file_row, *
    from read_csv(?, all_varchar = true, header = true)
)
"""

_ORDERS = """
select
    invoice_no as order_id,
    arg_min(customer_id, file_row) filter (where customer_id is not null) as customer_id,
    min(invoice_date) as ordered_at,
    cast(round(sum(quantity * unit_price), 2) as decimal(18, 2)) as amount,
    'GBP' as currency,
    case when invoice_no like 'C%' then 'cancelled' else 'completed' end as status,
    'online' as channel
from lines
group by invoice_no
order by min(file_row)
"""

_ORDER_ITEMS = """
select
    invoice_no as order_id,
    line_number,
    stock_code as product_id,
    cast(null as varchar) as product_category,
    quantity,
    unit_price
from lines
order by file_row
"""

_CUSTOMERS = """
select
    customer_id,
    arg_min(country, (invoice_date, file_row)) as country_code,
    min(invoice_date) as created_at
from lines
where customer_id is not null
group by customer_id
order by customer_id
"""

_COUNTS = """
select
    count(*) as lines,
    count(distinct invoice_no) as invoices,
    count(distinct customer_id) as customers,
    count(*) filter (where customer_id is null) as lines_without_customer,
    count(*) filter (where invoice_no like 'C%') as cancellation_lines,
    (select count(*) from (
        select invoice_no from lines group by 1
        having count(*) filter (where customer_id is null) between 1 and count(*) - 1)) as mixed_invoices
from lines
"""


def import_online_retail(
    src: str | Path, out_dir: str | Path, progress: Callable[[str], None] | None = None
) -> dict:
    """Write orders, order_items and customers parquet files of the raw contract from the Online Retail
    CSV ``src`` into ``out_dir``; returns (and prints) the counts of lines, invoices, customers, lines
    without a customer, cancellation lines and invoices mixing lines with and without a customer."""
    src, out_dir = Path(src), Path(out_dir)
    if not src.exists():
        raise FileNotFoundError(f"Online Retail export not found: {src}")
    out_dir.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    con = duckdb.connect()
    try:
        con.execute("set preserve_insertion_order = true")
        if progress:
            progress(f"reading {src}")
        con.execute(_LINES, [str(src)])
        for name, sql in (("orders", _ORDERS), ("order_items", _ORDER_ITEMS), ("customers", _CUSTOMERS)):
            path = out_dir / f"{name}.parquet"
            if progress:
                progress(f"writing {path}")
            con.execute(f"copy ({sql}) to '{path}' (format parquet, compression zstd)")
        row = con.execute(_COUNTS).fetchone()
        names = [d[0] for d in con.description]
    finally:
        con.close()
    counts = dict(zip(names, (int(v) for v in row), strict=True))
    print(
        "online retail: "
        + ", ".join(f"{k.replace('_', ' ')}={v:,}" for k, v in counts.items())
        + f" -> {out_dir} in {time.perf_counter() - began:.1f}s"
    )
    return counts
