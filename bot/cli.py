"""The `seroi-bot` command: run, demo, report."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    """One parser for every subcommand, so `--help` lists them all."""
    parser = argparse.ArgumentParser(prog="seroi-bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    report = commands.add_parser(
        "report", help="evaluate an impact map and write charts, a PDF and a markdown summary"
    )
    report.add_argument("impact_map", metavar="MAP.yaml")
    report.add_argument("--observations", metavar="FILE.csv", default=None)
    report.add_argument("--out", metavar="DIR", default="reports")
    report.add_argument("--lang", choices=("fi", "en", "it", "sv"), default="en")
    report.add_argument("--json", action="store_true", help="print the results as JSON")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    if args.command == "report":
        from bot.report_cli import run_report

        return run_report(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
