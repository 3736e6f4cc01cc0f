"""Command line of the project: `audience <command> ...` (see `audience --help`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


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

    commands.add_parser("summary", help="print a short table of what the last build produced")

    bench = commands.add_parser(
        "bench", help="generate or reuse data at a scale, dbt build, write bench/results/"
    )
    bench.add_argument("--scale", choices=["S", "M", "L"], default="S")
    bench.add_argument("--seed", type=int, default=42)
    bench.add_argument("--no-tests", action="store_true", help="models and seeds only (no data tests)")

    args = parser.parse_args(argv)
    if args.command == "generate":
        from audience.generate import generate

        generate(scale=args.scale, seed=args.seed, out_dir=args.out, truth_dir=args.truth, fmt=args.format)
    elif args.command == "import-online-retail":
        from audience.online_retail import import_online_retail

        import_online_retail(src=args.src, out_dir=args.out)
    elif args.command == "summary":
        from audience.summary import print_summary

        print_summary()
    elif args.command == "bench":
        from audience.bench import run_bench

        run_bench(scale=args.scale, seed=args.seed, with_tests=not args.no_tests)
    return 0


if __name__ == "__main__":
    sys.exit(main())
