"""The report's charts: one function per panel, marts in, a Plotly figure (or a NoData reason) out.

Every chart has a title, labelled axes with units and readable segment names. The reader of each
function is `Source` (read-only, soft); the functions never write anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from audience.model_selection import find_knee
from audience.report.data import NoData, Source

PALETTE = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#393b79", "#ad494a", "#637939", "#843c39", "#7b4173", "#3182bd",
]  # fmt: skip
SEGMENTATION_SKIPPED = (
    "segmentation was skipped or not built (fewer customers with features than the var "
    "segments_min_customers; `audience summary` says why)"
)


@dataclass
class Settings:
    """What the caller decides (defaults in dbt_project.yml vars `report_*`)."""

    seed: int
    scatter_sample: int
    tsne_sample: int


@dataclass
class Panel:
    """One chart of the report: a figure, or the reason there is none."""

    key: str
    title: str
    figure: go.Figure | None = None
    reason: str | None = None
    note: str = ""


@dataclass
class Context:
    """Shared by the charts: segment names and colours, settings."""

    settings: Settings
    segment_names: dict[int, str] = field(default_factory=dict)

    def name(self, segment_id) -> str:
        if pd.isna(segment_id):
            return "no segment"
        return self.segment_names.get(int(segment_id), f"segment {int(segment_id)}")

    def colour(self, segment_id) -> str:
        ids = sorted(self.segment_names)
        position = ids.index(int(segment_id)) if int(segment_id) in ids else int(segment_id)
        return PALETTE[position % len(PALETTE)]


def load_context(src: Source, settings: Settings) -> Context:
    """Segment names from `segment_profiles` (readable labels), when it exists."""
    names = src.frame(
        "select segment_id, segment_name from main.segment_profiles order by segment_id",
        {"main.segment_profiles": ["segment_id", "segment_name"]},
    )
    context = Context(settings)
    if not isinstance(names, NoData):
        context.segment_names = {
            int(row.segment_id): f"{int(row.segment_id)}: {row.segment_name}" for row in names.itertuples()
        }
    return context


def _layout(fig: go.Figure, title: str, x: str, y: str, height: int = 420) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.01},
        height=height,
        margin={"l": 70, "r": 30, "t": 60, "b": 60},
        template="plotly_white",
        legend={"title": {"text": ""}},
    )
    fig.update_xaxes(title_text=x)
    fig.update_yaxes(title_text=y)
    return fig


def _panel(key: str, title: str, build: Callable[[], go.Figure | NoData], note: str = "") -> Panel:
    result = build()
    if isinstance(result, NoData):
        return Panel(key, title, reason=result.reason, note=note)
    return Panel(key, title, figure=result, note=note)


# ---------------------------------------------------------------- segments


def segment_sizes(src: Source, ctx: Context) -> Panel:
    title = "Segment sizes"

    def build():
        data = src.frame(
            "select segment_id, customers, customer_share from main.segment_profiles order by segment_id",
            {"main.segment_profiles": ["segment_id", "customers", "customer_share"]},
            empty=f"main.segment_profiles is empty: {SEGMENTATION_SKIPPED}",
        )
        if isinstance(data, NoData):
            return data
        names = [ctx.name(s) for s in data["segment_id"]]
        fig = go.Figure(
            go.Bar(
                x=names,
                y=data["customers"],
                marker_color=[ctx.colour(s) for s in data["segment_id"]],
                text=[f"{share:.1%}" for share in data["customer_share"]],
                textposition="outside",
                hovertemplate="%{x}<br>%{y:,} customers (%{text})<extra></extra>",
            )
        )
        return _layout(fig, title, "segment", "customers (count)")

    return _panel("segment_sizes", title, build, "Bar labels: share of all segmented customers.")


def profile_heatmap(src: Source, ctx: Context) -> Panel:
    title = "Segment profiles: feature index against the population (100 = population mean)"

    def build():
        data = src.frame(
            """
            select segment_id, feature_name, index_vs_population
            from main.segment_feature_profiles order by segment_id, feature_name
            """,
            {"main.segment_feature_profiles": ["segment_id", "feature_name", "index_vs_population"]},
            empty=f"main.segment_feature_profiles is empty: {SEGMENTATION_SKIPPED}",
        )
        if isinstance(data, NoData):
            return data
        grid = data.pivot_table(index="segment_id", columns="feature_name", values="index_vs_population")
        z = grid.to_numpy(dtype=float)
        fig = go.Figure(
            go.Heatmap(
                z=z,
                x=list(grid.columns),
                y=[ctx.name(s) for s in grid.index],
                colorscale="RdBu_r",
                zmid=100,
                zmin=0,
                zmax=200,
                colorbar={"title": {"text": "index (colour capped at 200)"}},
                hovertemplate="%{y}<br>%{x}: index %{z:.0f}<extra></extra>",
            )
        )
        return _layout(fig, title, "feature", "segment", height=max(380, 60 * len(grid) + 160))

    return _panel(
        "profile_heatmap",
        title,
        build,
        "Index = 100 x segment mean / population mean of each numeric clustering feature.",
    )


def _embedding_sample(src: Source, ctx: Context, size: int) -> pd.DataFrame | NoData:
    data = src.frame(
        "select customer_id, segment_id, x, y from ml.segment_embedding_2d order by customer_id",
        {"ml.segment_embedding_2d": ["customer_id", "segment_id", "x", "y"]},
        empty=f"ml.segment_embedding_2d is empty: {SEGMENTATION_SKIPPED}",
    )
    if isinstance(data, NoData) or len(data) <= size:
        return data
    rows = np.random.default_rng(ctx.settings.seed).choice(len(data), size=size, replace=False)
    return data.iloc[np.sort(rows)].reset_index(drop=True)


def _scatter_by_segment(fig: go.Figure, data: pd.DataFrame, ctx: Context, x: str, y: str, **where) -> None:
    for segment_id, rows in data.groupby("segment_id", sort=True):
        fig.add_trace(
            go.Scatter(
                x=rows[x],
                y=rows[y],
                mode="markers",
                name=ctx.name(segment_id),
                legendgroup=str(segment_id),
                marker={"size": 4, "opacity": 0.6, "color": ctx.colour(segment_id)},
                hovertemplate=f"{ctx.name(segment_id)}<extra></extra>",
                **where,
            )
        )


def pca_scatter(src: Source, ctx: Context) -> Panel:
    title = "Segments on the first two principal components"

    def build():
        data = _embedding_sample(src, ctx, ctx.settings.scatter_sample)
        if isinstance(data, NoData):
            return data
        variance = src.frame(
            """
            select component, any_value(explained_variance_ratio) as ratio
            from ml.segment_pca_loadings where component in (1, 2) group by component order by component
            """,
            {"ml.segment_pca_loadings": ["component", "explained_variance_ratio"]},
        )
        labels = ["PC1", "PC2"]
        if not isinstance(variance, NoData) and len(variance) == 2:
            labels = [f"PC{int(c)} ({r:.0%} of variance, standardized units)" for c, r in variance.to_numpy()]
        fig = go.Figure()
        _scatter_by_segment(fig, data, ctx, "x", "y")
        return _layout(fig, title, labels[0], labels[1], height=480)

    return _panel(
        "pca_scatter",
        title,
        build,
        f"A fixed-seed sample of at most {ctx.settings.scatter_sample:,} customers of ml.segment_embedding_2d.",
    )


def tsne_map(src: Source, ctx: Context) -> Panel:
    title = "t-SNE map of a customer sample, coloured by segment"

    def build():
        from sklearn.manifold import TSNE

        from audience.preprocessing import Preprocessor

        sample = _embedding_sample(src, ctx, ctx.settings.tsne_sample)
        if isinstance(sample, NoData):
            return sample
        params = src.frame(
            "select * from ml.segment_scaler_params order by position",
            {"ml.segment_scaler_params": ["output_feature", "source_feature", "transform", "position"]},
            empty=f"ml.segment_scaler_params is empty: {SEGMENTATION_SKIPPED}",
        )
        if isinstance(params, NoData):
            return params
        preprocessor = Preprocessor.from_params(params)
        categorical = set(params.loc[params["transform"] == "one_hot", "source_feature"])
        casts = ", ".join(
            f'cast("{name}" as {"varchar" if name in categorical else "double"}) as "{name}"'
            for name in preprocessor.source_features
        )
        missing = src.missing("main", "customer_features", preprocessor.source_features)
        if missing:
            return missing
        src.con.register("tsne_sample_ids", sample[["customer_id", "segment_id"]])
        try:
            features = src.con.execute(
                f"""
                select tsne_sample_ids.segment_id, {casts}
                from tsne_sample_ids
                inner join main.customer_features
                    on customer_features.customer_id = tsne_sample_ids.customer_id
                order by tsne_sample_ids.customer_id
                """
            ).df()
        finally:
            src.con.unregister("tsne_sample_ids")
        if len(features) < 10:
            return NoData(f"only {len(features)} sampled customers have features: too few for t-SNE")
        x = preprocessor.transform(features)
        perplexity = float(min(30.0, (len(x) - 1) / 3))
        embedded = TSNE(
            n_components=2, perplexity=perplexity, init="pca", random_state=ctx.settings.seed
        ).fit_transform(x)
        features["tsne_1"], features["tsne_2"] = embedded[:, 0], embedded[:, 1]
        fig = go.Figure()
        _scatter_by_segment(fig, features, ctx, "tsne_1", "tsne_2", showlegend=False)
        return _layout(fig, title, "t-SNE dimension 1 (no unit)", "t-SNE dimension 2 (no unit)", height=480)

    return _panel(
        "tsne_map",
        title,
        build,
        f"scikit-learn TSNE (seed {ctx.settings.seed}) of the scaled clustering features of a fixed-seed "
        f"sample of at most {ctx.settings.tsne_sample:,} customers; distances between far-apart groups mean little.",
    )


def varimax_loadings(src: Source, ctx: Context) -> Panel:
    title = "Varimax-rotated PCA loadings"

    def build():
        data = src.frame(
            "select feature, component, loading_rotated from ml.segment_pca_loadings order by component, feature",
            {"ml.segment_pca_loadings": ["feature", "component", "loading_rotated"]},
            empty=f"ml.segment_pca_loadings is empty: {SEGMENTATION_SKIPPED}",
        )
        if isinstance(data, NoData):
            return data
        grid = data.pivot_table(index="feature", columns="component", values="loading_rotated")
        fig = go.Figure(
            go.Heatmap(
                z=grid.to_numpy(dtype=float),
                x=[f"RC{int(c)}" for c in grid.columns],
                y=list(grid.index),
                colorscale="RdBu_r",
                zmid=0,
                zmin=-1,
                zmax=1,
                colorbar={"title": {"text": "loading"}},
                hovertemplate="%{y} on %{x}: %{z:.2f}<extra></extra>",
            )
        )
        return _layout(
            fig,
            title,
            "rotated component",
            "scaled feature",
            height=max(400, 18 * len(grid) + 160),
        )

    return _panel(
        "varimax_loadings", title, build, "Loadings are correlations-like weights in [-1, 1] (no unit)."
    )


def rfm_grid(src: Source, ctx: Context) -> Panel:
    title = "R x F grid: customers and segment names"

    def build():
        data = src.frame(
            """
            select r_score, f_score, count(*) as customers, mode(rfm_segment) as rfm_segment
            from main.customer_rfm group by r_score, f_score order by r_score, f_score
            """,
            {"main.customer_rfm": ["r_score", "f_score", "rfm_segment"]},
            empty="main.customer_rfm is empty: no customer has a completed order",
        )
        if isinstance(data, NoData):
            return data
        unscored = int(data.loc[data["r_score"].isna() | data["f_score"].isna(), "customers"].sum())
        data = data.dropna(subset=["r_score", "f_score"])
        scores = list(range(1, 6))
        counts = data.pivot_table(index="r_score", columns="f_score", values="customers").reindex(
            index=scores, columns=scores
        )
        names = data.pivot_table(
            index="r_score", columns="f_score", values="rfm_segment", aggfunc="first"
        ).reindex(index=scores, columns=scores)
        count_values, name_values = counts.to_numpy(dtype=float), names.to_numpy(dtype=object)
        text = [
            ["" if np.isnan(n) else f"{label}<br>{int(n):,}" for n, label in zip(ns, labels, strict=True)]
            for ns, labels in zip(count_values, name_values, strict=True)
        ]
        fig = go.Figure(
            go.Heatmap(
                z=count_values,
                x=[str(s) for s in scores],
                y=[str(s) for s in scores],
                text=text,
                texttemplate="%{text}",
                colorscale="Blues",
                colorbar={"title": {"text": "customers"}},
                hovertemplate="R %{y}, F %{x}<br>%{text}<extra></extra>",
            )
        )
        if unscored:
            fig.add_annotation(
                text=f"{unscored:,} customers without an R or F score are not in the grid",
                xref="paper", yref="paper", x=0, y=-0.16, showarrow=False, xanchor="left",
            )  # fmt: skip
        return _layout(
            fig,
            title,
            "F score (frequency quintile, 5 = most orders)",
            "R score (recency quintile, 5 = most recent)",
            height=520,
        )

    return _panel(
        "rfm_grid", title, build, "Cell text: the named R x F segment (seed rfm_segment_map) and customers."
    )


def k_selection(src: Source, ctx: Context) -> Panel:
    title = "Choosing k: inertia (knee), silhouette, Calinski-Harabasz and gap statistic"

    def build():
        data = src.frame(
            """
            select k, inertia, silhouette, calinski_harabasz, gap, gap_se, is_chosen
            from ml.segment_model_selection where is_primary and k is not null order by k
            """,
            {
                "ml.segment_model_selection": [
                    "k",
                    "inertia",
                    "silhouette",
                    "calinski_harabasz",
                    "gap",
                    "gap_se",
                    "is_chosen",
                    "is_primary",
                ]
            },  # fmt: skip
            empty=f"ml.segment_model_selection has no rows for the primary algorithm: {SEGMENTATION_SKIPPED}",
        )
        if isinstance(data, NoData):
            return data
        chosen = data.loc[data["is_chosen"], "k"]
        fig = make_subplots(
            rows=2,
            cols=2,
            subplot_titles=(
                "Inertia (within-cluster sum of squares)",
                "Silhouette",
                "Calinski-Harabasz",
                "Gap",
            ),
            horizontal_spacing=0.12,
            vertical_spacing=0.18,
        )
        panels = [
            ("inertia", 1, 1, "inertia (scaled units²)"),
            ("silhouette", 1, 2, "silhouette (-1 to 1)"),
            ("calinski_harabasz", 2, 1, "Calinski-Harabasz (ratio)"),
            ("gap", 2, 2, "gap (log dispersion)"),
        ]
        for column, row, col, label in panels:
            rows = data.dropna(subset=[column])
            error = {"type": "data", "array": rows["gap_se"]} if column == "gap" else None
            fig.add_trace(
                go.Scatter(
                    x=rows["k"],
                    y=rows[column],
                    mode="lines+markers",
                    name=column,
                    error_y=error,
                    showlegend=False,
                ),
                row=row,
                col=col,
            )
            fig.update_xaxes(title_text="k (number of segments)", row=row, col=col, dtick=1)
            fig.update_yaxes(title_text=label, row=row, col=col)
            for k in chosen:
                fig.add_vline(x=k, line_dash="dot", line_color="#d62728", row=row, col=col)
        inertia = data.dropna(subset=["inertia"])
        if len(inertia) >= 3:
            knee = find_knee(inertia["k"].to_numpy(float), inertia["inertia"].to_numpy(float))
            at = inertia.loc[(inertia["k"] - knee).abs().idxmin()]
            fig.add_trace(
                go.Scatter(
                    x=[at["k"]],
                    y=[at["inertia"]],
                    mode="markers+text",
                    text=[f"knee k={int(at['k'])}"],
                    textposition="top right",
                    marker={"size": 12, "symbol": "x", "color": "#ff7f0e"},
                    showlegend=False,
                ),
                row=1,
                col=1,
            )
        fig.update_layout(
            title={"text": title, "x": 0.01}, height=640, template="plotly_white", margin={"t": 90, "l": 70}
        )
        return fig

    return _panel(
        "k_selection",
        title,
        build,
        "Dotted red line: the chosen k (highest Calinski-Harabasz); gap with its standard error.",
    )


# ---------------------------------------------------------------- scores


def _skip_reason(src: Source, model_name: str) -> str | None:
    if src.missing("main", "model_metrics", ["model_name", "is_skipped", "skip_reason"]):
        return None
    row = src.con.execute(
        "select skip_reason from main.model_metrics where model_name = ? and is_skipped", [model_name]
    ).fetchone()
    return f"the {model_name} model was skipped: {row[0]}" if row else None


def score_distributions(src: Source, ctx: Context) -> Panel:
    title = "Score distributions: lead conversion and purchase propensity"

    def build():
        frames, reasons = [], []
        for table, label in (
            ("lead_scores", "lead conversion"),
            ("customer_propensity_scores", "purchase propensity"),
        ):
            data = src.frame(f"select probability from main.{table}", {f"main.{table}": ["probability"]})
            if isinstance(data, NoData):
                model = "lead_conversion" if table == "lead_scores" else "purchase_propensity"
                reasons.append(_skip_reason(src, model) or data.reason)
            else:
                frames.append((label, data))
        if not frames:
            return NoData("; ".join(reasons))
        fig = go.Figure()
        for label, data in frames:
            fig.add_trace(
                go.Histogram(
                    x=data["probability"],
                    name=label,
                    opacity=0.65,
                    xbins={"start": 0, "end": 1, "size": 0.02},
                )
            )
        fig.update_layout(barmode="overlay")
        return _layout(fig, title, "calibrated probability (0-1)", "subjects (count)")

    return _panel("score_distributions", title, build)


def _lead_outcomes(src: Source) -> pd.DataFrame | NoData:
    skipped = _skip_reason(src, "lead_conversion")
    if skipped:
        return NoData(skipped)
    return src.frame(
        """
        select lead_scores.probability, cast(lead_conversion_labels.is_converted_within_horizon as integer) as converted
        from main.lead_scores
        inner join main.lead_conversion_labels on lead_conversion_labels.lead_id = lead_scores.lead_id
        where lead_conversion_labels.is_labelled
        """,
        {
            "main.lead_scores": ["lead_id", "probability"],
            "main.lead_conversion_labels": ["lead_id", "is_labelled", "is_converted_within_horizon"],
        },
        empty="no scored lead has a known outcome yet (none is older than lead_conversion_horizon_days)",
    )


def _deciles(data: pd.DataFrame) -> pd.DataFrame:
    """Leads ordered by descending score in ten equal groups: rate, mean score, cumulative lift."""
    ordered = data.sort_values("probability", ascending=False, kind="stable").reset_index(drop=True)
    ordered["decile"] = np.arange(len(ordered)) * 10 // len(ordered) + 1
    table = ordered.groupby("decile").agg(
        leads=("converted", "size"), conversions=("converted", "sum"), mean_score=("probability", "mean")
    )
    base = ordered["converted"].mean()
    table["rate"] = table["conversions"] / table["leads"]
    table["cumulative_share"] = table["leads"].cumsum() / len(ordered)
    table["cumulative_lift"] = (
        (table["conversions"].cumsum() / table["leads"].cumsum()) / base if base else np.nan
    )
    return table.reset_index()


def lift_curve(src: Source, ctx: Context) -> Panel:
    title = "Lead model: cumulative lift by score decile"

    def build():
        data = _lead_outcomes(src)
        if isinstance(data, NoData):
            return data
        if data["converted"].sum() == 0:
            return NoData("no labelled lead converted: lift is undefined")
        table = _deciles(data)
        fig = go.Figure(
            go.Scatter(
                x=100 * table["cumulative_share"],
                y=table["cumulative_lift"],
                mode="lines+markers",
                name="model",
            )
        )
        fig.add_hline(y=1, line_dash="dot", annotation_text="random (lift 1)")
        return _layout(fig, title, "leads contacted, best scores first (%)", "cumulative lift (x base rate)")

    return _panel(
        "lift_curve",
        title,
        build,
        "Labelled leads (outcome known); the model was trained on a sample of them, so this is in-sample.",
    )


def calibration_curve(src: Source, ctx: Context) -> Panel:
    title = "Lead model: calibration by score decile"

    def build():
        data = _lead_outcomes(src)
        if isinstance(data, NoData):
            return data
        table = _deciles(data)
        fig = go.Figure()
        fig.add_trace(
            go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfect calibration", line={"dash": "dot"})
        )
        fig.add_trace(go.Scatter(x=table["mean_score"], y=table["rate"], mode="lines+markers", name="model"))
        return _layout(fig, title, "mean predicted probability (0-1)", "observed conversion rate (0-1)")

    return _panel(
        "calibration_curve", title, build, "Ten equal groups of labelled leads by descending score."
    )


def profit_curve(src: Source, ctx: Context) -> Panel:
    title = "Expected profit by score threshold, chosen threshold marked"

    def build():
        data = src.frame(
            "select model_name, threshold, expected_profit, is_chosen from main.threshold_profit_curve "
            "order by model_name, threshold",
            {"main.threshold_profit_curve": ["model_name", "threshold", "expected_profit", "is_chosen"]},
            empty="main.threshold_profit_curve is empty: the scoring models were skipped (too few labels)",
        )
        if isinstance(data, NoData):
            return data
        fig = go.Figure()
        for model_name, rows in data.groupby("model_name", sort=True):
            fig.add_trace(
                go.Scatter(x=rows["threshold"], y=rows["expected_profit"], mode="lines", name=model_name)
            )
            chosen = rows[rows["is_chosen"]]
            fig.add_trace(
                go.Scatter(
                    x=chosen["threshold"],
                    y=chosen["expected_profit"],
                    mode="markers+text",
                    text=[f"chosen {t:.2f}" for t in chosen["threshold"]],
                    textposition="top center",
                    marker={"size": 11, "symbol": "diamond"},
                    name=f"{model_name}: chosen threshold",
                )
            )
        return _layout(
            fig, title, "probability threshold (0-1)", "expected profit (currency of seed scoring_economics)"
        )

    return _panel("profit_curve", title, build, "Contact everyone scoring at or above the threshold.")


# ---------------------------------------------------------------- data quality


def reconciliation(src: Source, ctx: Context) -> Panel:
    title = "Raw rows per table: clean and quarantined"

    def build():
        data = src.frame(
            """
            select table_name, any_value(clean_rows) as clean_rows, any_value(quarantined_rows) as quarantined_rows
            from main.dq_source_reconciliation group by table_name order by table_name
            """,
            {"main.dq_source_reconciliation": ["table_name", "clean_rows", "quarantined_rows"]},
        )
        if isinstance(data, NoData):
            return data
        fig = go.Figure(
            [
                go.Bar(x=data["table_name"], y=data["clean_rows"], name="clean", marker_color="#2ca02c"),
                go.Bar(
                    x=data["table_name"],
                    y=data["quarantined_rows"],
                    name="quarantined",
                    marker_color="#d62728",
                ),
            ]
        )
        fig.update_layout(barmode="stack")
        return _layout(fig, title, "raw table", "rows (count)")

    return _panel(
        "reconciliation", title, build, "raw rows = clean rows + quarantined rows (tested in the build)."
    )


def quarantine_reasons(src: Source, ctx: Context) -> Panel:
    title = "Quarantined rows by reason"

    def build():
        data = src.frame(
            """
            select table_name, reject_reason, count(*) as quarantined_rows
            from main.dq_quarantined_rows group by table_name, reject_reason
            order by reject_reason, table_name
            """,
            {"main.dq_quarantined_rows": ["table_name", "reject_reason"]},
            empty="main.dq_quarantined_rows is empty: no raw row broke a row rule",
        )
        if isinstance(data, NoData):
            return data
        fig = go.Figure(
            [
                go.Bar(y=rows["reject_reason"], x=rows["quarantined_rows"], name=table, orientation="h")
                for table, rows in data.groupby("table_name", sort=True)
            ]
        )
        fig.update_layout(barmode="stack")
        reasons = data["reject_reason"].nunique()
        return _layout(
            fig,
            title,
            "quarantined rows (count)",
            "reason (seed dq_rules)",
            height=max(360, 28 * reasons + 160),
        )

    return _panel("quarantine_reasons", title, build)


def completeness(src: Source, ctx: Context) -> Panel:
    title = "Completeness: the least complete columns of the clean tables"

    def build():
        data = src.frame(
            """
            select table_name || '.' || column_name as column_label, non_null_share
            from main.dq_column_completeness where rows_total > 0
            order by non_null_share, column_label limit 25
            """,
            {"main.dq_column_completeness": ["table_name", "column_name", "non_null_share", "rows_total"]},
            empty="main.dq_column_completeness has no rows with data (every clean table is empty)",
        )
        if isinstance(data, NoData):
            return data
        fig = go.Figure(
            go.Bar(
                y=data["column_label"],
                x=100 * data["non_null_share"],
                orientation="h",
                marker_color="#1f77b4",
                hovertemplate="%{y}: %{x:.1f}% non-null<extra></extra>",
            )
        )
        fig.update_yaxes(autorange="reversed")
        fig.update_xaxes(range=[0, 100])
        return _layout(
            fig, title, "non-null values (% of rows)", "table.column", height=max(360, 22 * len(data) + 160)
        )

    return _panel("completeness", title, build, "The 25 columns with the lowest non-null share.")


# ---------------------------------------------------------------- over time (history marts, issue 10)


def _history_table(src: Source, table: str) -> str:
    """Where a history table lives: schema `history` (issue 10), else `main`."""
    return f"history.{table}" if src.columns("history", table) else f"main.{table}"


def segment_shares_over_time(src: Source, ctx: Context) -> Panel:
    title = "Segment shares over time"

    def build():
        table = _history_table(src, "segment_membership_history")
        data = src.frame(
            f"""
            select as_of_date, segment_id, any_value(segment_name) as segment_name, count(*) as customers
            from {table} group by as_of_date, segment_id order by as_of_date, segment_id
            """,
            {table: ["as_of_date", "segment_id", "segment_name"]},
            empty=f"{table} is empty: no build has recorded segment history yet",
        )
        if isinstance(data, NoData):
            return data
        if data["as_of_date"].nunique() < 2:
            return NoData(
                f"{table} has a single as-of date: shares over time need builds at two or more as-of dates"
            )
        data["share"] = data["customers"] / data.groupby("as_of_date")["customers"].transform("sum")
        fig = go.Figure()
        for segment_id, rows in data.groupby("segment_id", sort=True, dropna=False):
            name = ctx.segment_names.get(int(segment_id)) if pd.notna(segment_id) else None
            label = name or f"{segment_id}: {rows['segment_name'].iloc[-1]}"
            fig.add_trace(
                go.Scatter(
                    x=rows["as_of_date"],
                    y=100 * rows["share"],
                    mode="lines+markers",
                    name=label,
                    stackgroup="shares",
                    line={"color": ctx.colour(segment_id) if pd.notna(segment_id) else "#999"},
                )
            )
        return _layout(fig, title, "as-of date", "customers (% of all segmented)")

    return _panel("segment_shares_over_time", title, build)


def transition_matrix(src: Source, ctx: Context) -> Panel:
    title = "Segment transitions between the last two as-of dates"

    def build():
        needed = ["segmentation", "to_as_of_date", "from_segment_name", "to_segment_name", "customers"]
        data = src.frame(
            """
            select
                coalesce(from_segment_name, 'new (absent before)') as from_label,
                coalesce(to_segment_name, 'lost (absent after)') as to_label,
                from_segment, to_segment, sum(customers) as customers
            from main.segment_transitions
            where segmentation = 'cluster'
                and to_as_of_date = (
                    select max(to_as_of_date) from main.segment_transitions where segmentation = 'cluster'
                )
            group by all
            """,
            {"main.segment_transitions": [*needed, "from_segment", "to_segment"]},
            empty="main.segment_transitions has no cluster rows: transitions need builds at two as-of dates",
        )
        if isinstance(data, NoData):
            return data

        def order(column: str, label: str) -> list[str]:
            keys = data[[column, label]].drop_duplicates()
            keys = keys.assign(new=keys[column].isna(), id=pd.to_numeric(keys[column], errors="coerce"))
            return keys.sort_values(["new", "id"])[label].tolist()

        grid = data.pivot_table(
            index="from_label", columns="to_label", values="customers", aggfunc="sum", fill_value=0
        )
        grid = grid.reindex(
            index=order("from_segment", "from_label"), columns=order("to_segment", "to_label"), fill_value=0
        )
        share = grid.div(grid.sum(axis=1), axis=0)
        fig = go.Figure(
            go.Heatmap(
                z=100 * share.to_numpy(dtype=float),
                x=list(grid.columns),
                y=list(grid.index),
                text=grid.to_numpy(),
                texttemplate="%{z:.0f}%",
                colorscale="Blues",
                colorbar={"title": {"text": "% of from"}},
                hovertemplate="%{y} -> %{x}: %{text:,} customers (%{z:.1f}%)<extra></extra>",
            )
        )
        fig.update_yaxes(autorange="reversed")
        return _layout(fig, title, "to segment", "from segment", height=max(400, 50 * len(grid) + 180))

    return _panel(
        "transition_matrix",
        title,
        build,
        "main.segment_transitions (cluster segments); rows sum to 100%: where each segment's customers went.",
    )


SECTIONS: list[tuple[str, list[Callable[[Source, Context], Panel]]]] = [
    (
        "Segments",
        [segment_sizes, profile_heatmap, pca_scatter, tsne_map, varimax_loadings, rfm_grid, k_selection],
    ),
    ("Scores", [score_distributions, lift_curve, calibration_curve, profit_curve]),
    ("Data quality", [reconciliation, quarantine_reasons, completeness]),
    ("Over time", [segment_shares_over_time, transition_matrix]),
]
