"""Command line of the project: `audience <command> ...` (see `audience --help`)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path


def _progress(step: str):
    """A progress printer for long steps: elapsed seconds and a message, on stderr."""
    started = time.perf_counter()

    def report(message: str) -> None:
        print(f"[{step} {time.perf_counter() - started:6.1f}s] {message}", file=sys.stderr, flush=True)

    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="audience", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    gen = commands.add_parser(
        "generate", help="write demo raw data (every contract table) and its ground truth"
    )
    gen.add_argument("--scale", choices=["S", "M", "L"], default="S")
    gen.add_argument("--seed", type=int, default=42)
    gen.add_argument("--out", default="data/raw", help="raw data directory (the dbt var raw_data_dir)")
    gen.add_argument("--truth", default="data/truth", help="ground-truth directory; no model reads it")
    gen.add_argument("--format", choices=["parquet", "csv"], default="parquet")

    imp = commands.add_parser(
        "import-online-retail", help="turn the UCI Online Retail export into the raw contract"
    )
    imp.add_argument("--src", default="../shared/data/online_retail/online_retail.csv.gz")
    imp.add_argument("--out", default="data/raw_online_retail")

    bank = commands.add_parser(
        "import-bank-marketing",
        help="turn the UCI Bank Marketing file into the raw contract (leads.csv, traits.csv; duration excluded)",
    )
    bank.add_argument("--src", default="../shared/data/bank_marketing/bank-additional-full.csv.gz")
    bank.add_argument("--out", default="data/raw_bank_marketing")
    bank.add_argument(
        "--baseline",
        action="store_true",
        help="also print the plain scikit-learn reference CV ROC AUC and the package's own on the same columns",
    )

    commands.add_parser("summary", help="print a short table of what the last build produced")

    bench = commands.add_parser(
        "bench", help="generate or reuse data at a scale, dbt build, write bench/results/"
    )
    bench.add_argument("--scale", choices=["S", "M", "L"], default="S")
    bench.add_argument("--seed", type=int, default=42)
    bench.add_argument("--no-tests", action="store_true", help="models and seeds only (no data tests)")
    bench.add_argument(
        "--incremental",
        action="store_true",
        help="--scale: the incremental day only, as of the last full bench build at that scale",
    )
    # ---------- perf (issue 13): side by side with the peers of ../shared/peers
    bench.add_argument(
        "--peers",
        action="store_true",
        help="pandas peer, DuckDB reference and the warehouse on the peers' input",
    )
    bench.add_argument(
        "--raw-dir", default="data/bench/peers200k", help="--peers: input (generated if empty)"
    )
    bench.add_argument("--customers", type=int, default=200_000, help="--peers: customers when generating")
    bench.add_argument("--as-of", default="2025-01-01", help="--peers: as-of date of every step")
    bench.add_argument("--repeat", type=int, default=1, help="--peers: runs per step (median wall time)")

    # ---------- activation (issue 11): src/audience/activation, README "Activation"
    sync = commands.add_parser(
        "sync",
        help="write an audience's hashed customer-list files and (with --send) upload them to Meta",
        description="Dry run by default: files only. Secrets from the environment: AUDIENCE_EXTERN_ID_SECRET "
        "(EXTERN_ID key), META_ACCESS_TOKEN (+ optional META_APP_SECRET, META_APP_ID) to send; "
        "META_GRAPH_URL / META_API_VERSION override the SDK's base URL and API version.",
    )
    sync.add_argument(
        "--audience", required=True, help="an audience_name of seeds/activation/audience_definitions.csv"
    )
    sync.add_argument("--send", action="store_true", help="upload to Meta (default: dry run, files only)")
    sync.add_argument(
        "--destination-id", help="the Custom Audience id (default: destination_audience_id of the seed)"
    )
    sync.add_argument("--batch-size", type=int, help="rows per file and request, <= 10000 (default: dbt var)")
    sync.add_argument("--export-dir", help="default: AUDIENCE_EXPORT_DIR or data/exports")
    sync.add_argument(
        "--allow-stale", action="store_true", help="sync members older than the audience's refresh"
    )

    # ---------- serving and the segment report (issue 12)
    pub = commands.add_parser(
        "publish",
        help="after a build that passed: publish the marts as a new read-only file for BI tools (atomic)",
    )
    pub.add_argument("--warehouse", help="the build's DuckDB file (default WAREHOUSE_PATH)")
    pub.add_argument("--serving-dir", help="where to publish (default SERVING_DIR or serving/ beside it)")
    pub.add_argument("--run-results", help="dbt's run_results.json (default <DBT_TARGET_PATH>/...)")
    rep = commands.add_parser("report", help="write the self-contained HTML segment report")
    rep.add_argument("--source", help="DuckDB file to read (default: the published file, else the warehouse)")
    rep.add_argument("--out", default="reports/segment_report.html")

    # ---------- perf (issue 13): compare two warehouse files
    diff = commands.add_parser(
        "diff-warehouses",
        help="compare every table of every schema of two DuckDB files (exit 1 if any differs)",
    )
    from audience.warehouse_diff import add_arguments as add_diff_arguments

    add_diff_arguments(diff)

    # ---------- privacy (issue 11): src/audience/privacy, README "Privacy"
    erase = commands.add_parser(
        "erase",
        help="after a build that applied a new erasure request: purge export runs and published copies "
        "holding the erased subjects, compact the warehouse file",
        description="Run after `dbt build` (and `audience publish`), while nothing else holds the warehouse. "
        "AUDIENCE_EXTERN_ID_SECRET finds the erased subjects' rows in export files; with --send, rows sent to "
        "add-mode Meta audiences are removed (META_ACCESS_TOKEN, as `audience sync`).",
    )
    erase.add_argument("--send", action="store_true", help="remove sent rows from add-mode Meta audiences")
    erase.add_argument("--force", action="store_true", help="sweep even if no request is new")
    erase.add_argument("--no-compact", action="store_true", help="do not compact the warehouse file")
    erase.add_argument("--export-dir", help="default: AUDIENCE_EXPORT_DIR or data/exports")
    erase.add_argument("--serving-dir", help="default: SERVING_DIR or serving/ beside the warehouse")

    scan = commands.add_parser(
        "pii-scan", help="list email- and phone-shaped values in the warehouse's BI schemas (exit 1 if any)"
    )
    scan.add_argument("--schema", action="append", help="schema to scan (repeatable; default: main)")

    # ---------- Spark scale-out (issue 14): the fit on a sample outside dbt, and the steps on either engine
    fit = commands.add_parser(
        "fit",
        help="Spark: fit the dbt Python models on a fixed-seed sample read from Spark, write the model tables",
    )
    fit.add_argument("--target", default="spark", help="the dbt target (profiles.yml) of the Spark session")
    fit.add_argument(
        "--max-rows", type=int, help="rows per id family read to the driver (default var spark_fit_max_rows)"
    )
    fit.add_argument("--seed", type=int, help="sample seed (default var spark_fit_seed)")
    fit.add_argument(
        "--target-path", help="dbt's target dir with manifest.json (default DBT_TARGET_PATH or target)"
    )
    fit.add_argument(
        "--bridge-from",
        help="a DuckDB warehouse file: copy the fit's input tables from it to Spark first (marts not built on Spark yet)",
    )
    fit.add_argument("--vars", help="dbt vars (YAML) for the parse, as `dbt --vars`")
    apply = commands.add_parser(
        "apply",
        help="Spark: the dbt Python models' per-row tables from every row (SQL scorers, mapInPandas), after the fit",
    )
    apply.add_argument("--target", default="spark", help="the dbt target (profiles.yml) of the Spark session")
    apply.add_argument(
        "--target-path", help="dbt's target dir with manifest.json (default DBT_TARGET_PATH or target)"
    )
    pipe = commands.add_parser("pipeline", help="the build's steps in order on a target (duckdb: dbt build)")
    pipe.add_argument("--target", default="duckdb", choices=["duckdb", "spark"])
    pipe.add_argument(
        "--in-process",
        action="store_true",
        help="spark: every step in this process with one SparkSession (dbt through its Python API)",
    )
    pipe.add_argument("--start-at", help="spark, --in-process: the first step to run (e.g. fit_on_sample)")
    pipe.add_argument(
        "--bridge-from",
        help="spark, --in-process: a DuckDB warehouse file; the fit copies the tables the later steps read from it",
    )
    pipe.add_argument("--vars", help="spark, --in-process: dbt vars (YAML) for every dbt command and the fit")
    pipe.add_argument(
        "--tests",
        default="all",
        choices=["all", "key"],
        help="spark: every test (default), or the key and contract tests only (the CI test; the rest run on DuckDB)",
    )

    args = parser.parse_args(argv)
    if args.command == "generate":
        from audience.generate import generate

        generate(
            scale=args.scale,
            seed=args.seed,
            out_dir=args.out,
            truth_dir=args.truth,
            fmt=args.format,
            progress=_progress("generate"),
        )
    elif args.command == "import-online-retail":
        from audience.online_retail import import_online_retail

        import_online_retail(src=args.src, out_dir=args.out, progress=_progress("import-online-retail"))
    elif args.command == "import-bank-marketing":
        from audience.bank_marketing import import_bank_marketing, print_parity

        import_bank_marketing(src=args.src, out_dir=args.out)
        if args.baseline:
            print_parity(args.src)
    elif args.command == "summary":
        from audience.summary import print_summary

        print_summary()
    elif args.command == "publish":
        from audience.serving import PublishRefused, publish

        try:
            done = publish(
                warehouse=Path(args.warehouse) if args.warehouse else None,
                directory=Path(args.serving_dir) if args.serving_dir else None,
                run_results=Path(args.run_results) if args.run_results else None,
            )
        except PublishRefused as refused:
            print(f"audience publish: {refused}", file=sys.stderr)
            return 1
        print(
            f"published build {done.build_id}: {len(done.tables)} tables -> {done.path} "
            f"(Parquet: {done.parquet_dir}/) in {done.seconds:.1f}s"
        )
    elif args.command == "report":
        from audience.report import project_settings, write_report

        out = write_report(
            source=Path(args.source) if args.source else None, out=Path(args.out), settings=project_settings()
        )
        print(f"segment report: {out}")
    elif args.command == "bench":
        from audience.bench import run_bench, run_incremental_bench, run_peer_bench

        if args.peers:
            run_peer_bench(Path(args.raw_dir), as_of=args.as_of, customers=args.customers, repeat=args.repeat)
        elif args.incremental:
            run_incremental_bench(args.scale)
        else:
            run_bench(scale=args.scale, seed=args.seed, with_tests=not args.no_tests)
    elif args.command == "sync":
        return _sync(args)
    elif args.command == "fit":
        return _fit(args)
    elif args.command == "apply":
        import os

        from audience.spark.apply import main_apply

        return main_apply(
            Path(args.target_path or os.environ.get("DBT_TARGET_PATH", "target")),
            Path(os.environ["DBT_PROFILES_DIR"]) if os.environ.get("DBT_PROFILES_DIR") else None,
            args.target,
        )
    elif args.command == "pipeline":
        from audience.spark.pipeline import run as run_pipeline
        from audience.spark.pipeline import run_in_process

        if args.in_process and args.target == "spark":
            return run_in_process(
                start_at=args.start_at,
                bridge_from=Path(args.bridge_from) if args.bridge_from else None,
                dbt_vars=args.vars,
                tests=args.tests,
            )
        return run_pipeline(args.target, tests=args.tests)
    elif args.command == "diff-warehouses":
        from audience.warehouse_diff import run as run_diff

        return run_diff(args)
    elif args.command == "erase":
        return _erase(args)
    elif args.command == "pii-scan":
        return _pii_scan(args)
    return 0


def _fit(args: argparse.Namespace) -> int:
    """`audience fit`: parse the project for the target (the manifest gives the models and settings), fit."""
    import os
    import subprocess

    from audience.project import project_vars
    from audience.spark.fit import main_fit

    target_path = Path(args.target_path or os.environ.get("DBT_TARGET_PATH", "target"))
    parsed = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "parse",
            "--target",
            args.target,
            "--target-path",
            str(target_path),
            *(["--vars", args.vars] if args.vars else []),
        ]
    )
    if parsed.returncode != 0:
        return parsed.returncode
    settings = project_vars()
    return main_fit(
        target_path,
        Path(os.environ["DBT_PROFILES_DIR"]) if os.environ.get("DBT_PROFILES_DIR") else None,
        args.target,
        max_rows=args.max_rows or int(settings["spark_fit_max_rows"]),
        seed=args.seed if args.seed is not None else int(settings["spark_fit_seed"]),
        bridge_from=Path(args.bridge_from) if args.bridge_from else None,
    )


def _sync(args: argparse.Namespace) -> int:
    """`audience sync`: settings from the dbt vars and flags, secrets from the environment."""
    import os

    from audience.activation.meta import SyncError
    from audience.activation.sync import SyncFailed, SyncSettings, activation_vars, report_lines, run_sync
    from audience.warehouse import warehouse_path

    variables = activation_vars()
    settings = SyncSettings(
        batch_size=args.batch_size or int(variables["activation_batch_size"]),
        keep_runs=int(variables["activation_keep_export_runs"]),
        export_dir=Path(args.export_dir or os.environ.get("AUDIENCE_EXPORT_DIR", "data/exports")),
        send=args.send,
        allow_stale=args.allow_stale,
        destination_audience_id=args.destination_id,
        graph_url=os.environ.get("META_GRAPH_URL") or None,
        api_version=os.environ.get("META_API_VERSION") or None,
    )
    try:
        report = run_sync(warehouse_path(), args.audience, settings)
    except SyncFailed as failed:
        print("\n".join(report_lines(failed.report)))
        print(f"error: {failed}", file=sys.stderr)
        return 1
    except (SyncError, ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print("\n".join(report_lines(report)))
    return 0


def _erase(args: argparse.Namespace) -> int:
    """`audience erase`: paths from flags and the environment, as `audience sync` and `audience publish`."""
    import os

    from audience.activation.meta import SyncError
    from audience.privacy.erasure import ErasureError, SweepSettings, report_lines, run_erasure_sweep
    from audience.serving import serving_dir
    from audience.warehouse import warehouse_path

    warehouse = warehouse_path()
    settings = SweepSettings(
        export_dir=Path(args.export_dir or os.environ.get("AUDIENCE_EXPORT_DIR", "data/exports")),
        serving_dir=Path(args.serving_dir) if args.serving_dir else serving_dir(warehouse),
        send=args.send,
        force=args.force,
        compact=not args.no_compact,
        graph_url=os.environ.get("META_GRAPH_URL") or None,
        api_version=os.environ.get("META_API_VERSION") or None,
    )
    try:
        report = run_erasure_sweep(warehouse, settings)
    except (ErasureError, SyncError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print("\n".join(report_lines(report)))
    return 1 if report.outcome == "pending" else 0


def _pii_scan(args: argparse.Namespace) -> int:
    """`audience pii-scan`: findings (table, column, kind, rows; never a value), exit 1 when any."""
    from audience.privacy.pii_scan import find_pii
    from audience.warehouse import connect_read_only

    with connect_read_only() as con:
        findings = find_pii(con, args.schema or ["main"])
    for finding in findings:
        print(finding)
    print(f"{len(findings)} column(s) with email- or phone-shaped values")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
