"""`audience summary`: a short, plain-text account of what the last `dbt build` produced."""

from __future__ import annotations

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


def print_summary() -> None:
    """Print source reconciliation, mart sizes, segments and lead grades, where they exist."""
    with connect_read_only() as con:
        if table_exists(con, "main", "dq_source_reconciliation"):
            rows = con.execute(
                """
                select table_name, any_value(raw_rows), any_value(clean_rows), any_value(quarantined_rows),
                    bool_and(is_reconciled)
                from main.dq_source_reconciliation group by table_name order by table_name
                """
            ).fetchall()
            _print_table(
                "Sources (raw = clean + quarantined)", ["table", "raw", "clean", "quarantined", "ok"], rows
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
            _print_table("Lead grades", ["grade", "leads", "mean probability"], rows)
