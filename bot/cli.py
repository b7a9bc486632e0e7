"""The `seroi-bot` command: run, demo, report."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError
from telegram.ext import Application

from bot.settings import LANGUAGES


def build_parser() -> argparse.ArgumentParser:
    """One parser for every subcommand, so `--help` lists them all."""
    parser = argparse.ArgumentParser(prog="seroi-bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser(
        "run", help="run the bot (long polling) against Telegram or the API URL in settings"
    )
    demo = commands.add_parser(
        "demo", help="play a scripted pilot against the offline sandbox and save what the bot sent"
    )
    demo.add_argument("--out", metavar="DIR", default="demo-output")
    demo.add_argument(
        "--faults",
        type=float,
        default=0.0,
        metavar="P",
        help="inject Telegram errors (429s, 5xx and timeouts) into this share of calls, e.g. 0.1",
    )
    demo.add_argument(
        "--lock-db",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="halfway through, lock the bot's database from another connection this long",
    )

    report = commands.add_parser(
        "report",
        help="evaluate an impact map and write charts, a PDF, a markdown summary and an Excel "
        "value map",
        description="Evaluate an impact map (and, with observations, the actual return). "
        "Every input is checked first: on any problem, all problems are listed, nothing is "
        "written and the exit status is 2.",
    )
    report.add_argument("impact_map", metavar="MAP.yaml")
    report.add_argument(
        "--observations", metavar="FILE.csv", default=None, help="check-in observations"
    )
    report.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help="write the report into DIR/<map name>/ (default: reports/); "
        "with --json, files are written only when --out is given",
    )
    report.add_argument("--lang", choices=LANGUAGES, default="en")
    report.add_argument(
        "--json",
        action="store_true",
        help="print the results to stdout as one JSON object; "
        "files are written too only if --out is given explicitly",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    if args.command == "report":
        from bot.report_cli import run_report

        return run_report(args)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # httpx logs every request at INFO; the bot's own log is what an operator needs.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if args.command == "demo":
        from bot.demo.tour import run_demo

        return run_demo(Path(args.out), fault_rate=args.faults, lock_seconds=args.lock_db)
    return run_bot()


def run_bot() -> int:
    """Long polling until interrupted; updates that arrived while stopped are not dropped."""
    from bot.app import build_application
    from bot.settings import Settings

    try:
        settings = Settings()
    except ValidationError as error:
        for problem in error.errors():
            name = "SEROI_" + "_".join(str(part) for part in problem["loc"]).upper()
            print(f"seroi-bot: setting {name}: {problem['msg']}", file=sys.stderr)
        return 2
    asyncio.run(serve(build_application(settings)))
    return 0


async def serve(application: Application) -> None:
    """Poll until SIGINT or SIGTERM, then finish the current update and stop."""
    from bot.polling import poll, started

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, stop.set)
    async with started(application):
        await poll(application, stop)


if __name__ == "__main__":
    sys.exit(main())
