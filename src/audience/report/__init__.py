"""`audience report`: a self-contained HTML segment report that opens offline.

Plotly draws the charts; its JavaScript (shipped inside the `plotly` wheel) is embedded once in the
page, so the file needs no network and no CDN. The report reads the published file
(`audience publish`, read-only) or, when nothing was published, the warehouse (read-only). Inputs
that are missing or empty give a "no data because ..." panel (`charts.py`), never a broken chart.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path

import plotly.offline

from audience.report.charts import SECTIONS, Context, Panel, Settings, load_context
from audience.report.data import NoData, Source

__all__ = ["Settings", "build_report", "project_settings", "write_report"]

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #222; }
header { background: #223; color: #fff; padding: 18px 28px; }
header h1 { margin: 0 0 4px 0; font-size: 22px; }
header p { margin: 0; color: #ccd; font-size: 13px; }
nav { padding: 8px 28px; background: #f3f3f6; font-size: 14px; }
nav a { margin-right: 18px; }
main { padding: 8px 28px 40px 28px; }
h2 { border-bottom: 2px solid #223; padding-bottom: 4px; margin-top: 32px; }
.panel { border: 1px solid #ddd; border-radius: 6px; padding: 8px; margin: 14px 0; background: #fff; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; }
.note { font-size: 12px; color: #555; margin: 2px 6px 4px 6px; }
.nodata { padding: 28px; background: #fafafa; color: #444; }
.nodata h3 { margin: 0 0 8px 0; font-size: 16px; }
table.segments { border-collapse: collapse; font-size: 13px; margin: 10px 0; }
table.segments th, table.segments td { border: 1px solid #ddd; padding: 4px 8px; text-align: left; }
table.segments td.num { text-align: right; }
"""


def _panel_html(panel: Panel) -> str:
    note = f'<p class="note">{html.escape(panel.note)}</p>' if panel.note else ""
    if panel.figure is None:
        return (
            f'<div class="panel nodata" data-nodata="{panel.key}"><h3>{html.escape(panel.title)}</h3>'
            f"<p>No data because {html.escape(panel.reason or 'the input is missing')}.</p>{note}</div>"
        )
    div = panel.figure.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=f"chart-{panel.key}",
        config={"displaylogo": False, "responsive": True},
    )
    return f'<div class="panel" data-chart="{panel.key}">{div}{note}</div>'


def _segments_table(src: Source, context: Context) -> str:
    data = src.frame(
        """
        select segment_id, segment_name, customers, customer_share, main_rfm_segment,
            distinguishing_feature_1, distinguishing_feature_2, distinguishing_feature_3
        from main.segment_profiles order by segment_id
        """,
        {
            "main.segment_profiles": [
                "segment_id",
                "segment_name",
                "customers",
                "customer_share",
                "main_rfm_segment",
                "distinguishing_feature_1",
                "distinguishing_feature_2",
                "distinguishing_feature_3",
            ]
        },  # fmt: skip
    )
    if isinstance(data, NoData):
        return ""
    rows = "".join(
        "<tr>"
        f"<td>{int(row.segment_id)}</td><td>{html.escape(str(row.segment_name))}</td>"
        f'<td class="num">{int(row.customers):,}</td><td class="num">{row.customer_share:.1%}</td>'
        f"<td>{html.escape(str(row.main_rfm_segment))}</td>"
        f"<td>{html.escape(', '.join(str(f) for f in (row.distinguishing_feature_1, row.distinguishing_feature_2, row.distinguishing_feature_3) if f))}</td>"
        "</tr>"
        for row in data.itertuples()
    )
    return (
        '<table class="segments"><tr><th>id</th><th>segment name</th><th>customers</th><th>share</th>'
        f"<th>main R x F segment</th><th>distinguishing features</th></tr>{rows}</table>"
    )


def _build_info(src: Source) -> str:
    if src.missing("main", "published_build", ["build_id", "published_at"]):
        return f"read from {src.path} (the build's warehouse, read-only)"
    build_id, published_at = src.con.execute(
        "select build_id, published_at from main.published_build"
    ).fetchone()
    return f"published build {build_id} ({published_at:%Y-%m-%d %H:%M UTC}), read from {src.path}"


def build_report(source: Path, settings: Settings) -> tuple[str, list[Panel]]:
    """The report's HTML and its panels (charts and no-data panels), read from `source`."""
    src = Source(source)
    try:
        context = load_context(src, settings)
        sections, panels = [], []
        for name, chart_functions in SECTIONS:
            section_panels = [function(src, context) for function in chart_functions]
            panels += section_panels
            blocks = [_panel_html(p) for p in section_panels]
            if name == "Segments":  # sizes, the names table, then the two maps side by side
                blocks = (
                    [blocks[0], _segments_table(src, context), blocks[1]]
                    + [f'<div class="pair">{blocks[2]}{blocks[3]}</div>']
                    + blocks[4:]
                )
            anchor = name.lower().replace(" ", "-")
            sections.append(f'<section id="{anchor}"><h2>{html.escape(name)}</h2>{"".join(blocks)}</section>')
        info = _build_info(src)
    finally:
        src.close()
    nav = "".join(f'<a href="#{n.lower().replace(" ", "-")}">{html.escape(n)}</a>' for n, _ in SECTIONS)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Audience segment report</title>
<style>{STYLE}</style>
<script type="text/javascript">{plotly.offline.get_plotlyjs()}</script>
</head><body>
<header><h1>Audience segment report</h1>
<p>{html.escape(info)}; written {datetime.now(UTC):%Y-%m-%d %H:%M UTC}.
{sum(p.figure is not None for p in panels)} charts, {sum(p.figure is None for p in panels)} without data.</p></header>
<nav>{nav}</nav>
<main>{"".join(sections)}</main>
</body></html>
"""
    return page, panels


def project_settings(project_file: Path = Path("dbt_project.yml")) -> Settings:
    """The report's settings from the vars `report_*` of dbt_project.yml (where their defaults live)."""
    import yaml

    variables = yaml.safe_load(project_file.read_text())["vars"]
    return Settings(
        seed=int(variables["report_seed"]),
        scatter_sample=int(variables["report_scatter_sample"]),
        tsne_sample=int(variables["report_tsne_sample"]),
    )


def default_source() -> Path:
    """The published file when there is one, else the build's warehouse."""
    from audience.serving import published_path
    from audience.warehouse import warehouse_path

    published = published_path()
    return published if published.exists() else warehouse_path()


def write_report(source: Path | None, out: Path, settings: Settings) -> Path:
    """Write the report read from `source` (default: published file, else warehouse) to `out`."""
    source = source or default_source()
    if not source.exists():
        raise FileNotFoundError(f"no warehouse at {source}: run `make run` (or `dbt build`) first")
    page, _ = build_report(source, settings)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out)
    return out
