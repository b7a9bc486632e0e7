"""The `seroi-bot` command: run, demo, report, summary, export, export-observations,
checkin-setup."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from pydantic import SecretStr, ValidationError
from telegram.ext import Application

from bot.logs import Redactor, configure_logging
from bot.settings import LANGUAGES, Settings, problems_in_words
from bot.storage.db import Database, DatabaseUnavailableError, instance_lock

if TYPE_CHECKING:
    from bot.services import Services

T = TypeVar("T")

# Exit statuses of a start that failed: what the operator must change, and what may pass.
EXIT_OPERATOR = 2
EXIT_TRANSIENT = 1


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
    export = commands.add_parser(
        "export-observations",
        help="write a pilot's check-in answers as the observations CSV that "
        "`seroi-bot report --observations` reads (pseudonyms only, dated by period)",
    )
    export.add_argument("--pilot", metavar="SLUG", required=True, help="the pilot's short name")
    export.add_argument(
        "--out", metavar="FILE.csv", default=None, help="write here (default: standard output)"
    )
    data = commands.add_parser(
        "export",
        help="write a pilot's export as /export sends it: a ZIP of pseudonymised wide CSVs, "
        "a codebook, the impact map and the workbook (recorded in the audit log)",
    )
    data.add_argument("--pilot", metavar="SLUG", required=True, help="the pilot's short name")
    data.add_argument("--out", metavar="FILE.zip", required=True, help="where the ZIP goes")
    data.add_argument("--lang", choices=LANGUAGES, default=None, help="the codebook's notes")
    setup = commands.add_parser(
        "checkin-setup",
        help="a pilot's check-ins: the monthly wellbeing module (WHO-5 or ONS4) and the "
        "neutral support pointer shown with a member's own wellbeing trend",
    )
    setup.add_argument("--pilot", metavar="SLUG", required=True, help="the pilot's short name")
    setup.add_argument("--wellbeing", choices=("who5", "ons4"), default=None)
    setup.add_argument(
        "--support", metavar="TEXT", default=None, help="e.g. a crisis line; '' removes it"
    )
    summary = commands.add_parser(
        "summary",
        help="a pilot's summary as a coordinator sees it after /summary: the text on "
        "standard output, the charts as PNG files",
    )
    summary.add_argument("--pilot", metavar="SLUG", required=True, help="the pilot's short name")
    summary.add_argument(
        "--lang", choices=LANGUAGES, default=None, help="default: SEROI_DEFAULT_LANGUAGE"
    )
    summary.add_argument(
        "--out", metavar="DIR", default=None, help="where the charts go (default: summary-SLUG)"
    )
    commands.add_parser(
        "rotate-key",
        help="change SEROI_PSEUDONYM_KEY on purpose: rewrite every pseudonym from the key in "
        "SEROI_OLD_PSEUDONYM_KEY to the one in SEROI_PSEUDONYM_KEY (the bot stopped)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    if args.command == "report":
        from bot.report_cli import run_report

        return run_report(args)
    if args.command == "demo":
        from bot.demo.tour import DEMO_TOKEN, run_demo

        configure_logging("INFO", secrets=[DEMO_TOKEN])
        return run_demo(Path(args.out), fault_rate=args.faults, lock_seconds=args.lock_db)
    if args.command == "rotate-key":
        return rotate_key()
    if args.command == "export-observations":
        return export_observations(args.pilot, args.out)
    if args.command == "summary":
        return summary_command(args.pilot, args.lang, Path(args.out or f"summary-{args.pilot}"))
    if args.command == "export":
        return export_command(args.pilot, args.lang, Path(args.out))
    if args.command == "checkin-setup":
        return checkin_setup(args.pilot, args.wellbeing, args.support)
    return run_bot()


def load_settings() -> Settings | None:
    """The settings, or None after saying in words what is wrong with them."""
    try:
        return Settings()
    except ValidationError as error:
        for line in problems_in_words(error):
            print(f"seroi-bot: {line}", file=sys.stderr)
        return None


def run_bot() -> int:
    """Long polling until interrupted; updates that arrived while stopped are not dropped.

    A start that cannot succeed ends within seconds with one line on stderr: exit status
    2 for what the operator must change, 1 for what may pass by itself.
    """
    from conversations import ScriptError

    try:
        from bot.app import build_application
    except ScriptError as error:
        # A shipped script is read when the bot is loaded: never ask broken questions.
        print(f"seroi-bot: a shipped script cannot be used:\n{error}", file=sys.stderr)
        return EXIT_OPERATOR

    settings = load_settings()
    if settings is None:
        return EXIT_OPERATOR
    secrets = [settings.telegram_token.get_secret_value()]
    secrets.append(settings.pseudonym_key.get_secret_value())
    configure_logging(settings.log_level, secrets)
    try:
        with instance_lock(settings.db_path):
            asyncio.run(serve(build_application(settings)))
    except Exception as error:
        problem = startup_problem(error, settings)
        if problem is None:
            raise
        text, status = problem
        print(f"seroi-bot: {Redactor(secrets).redact(text)}", file=sys.stderr)
        return status
    return 0


def startup_problem(error: Exception, settings: Settings) -> tuple[str, int] | None:
    """What the operator reads, and the exit status, for an error that stops the bot."""
    from telegram.error import InvalidToken, NetworkError

    from bot.pseudonym_keys import PseudonymKeyMismatchError

    if isinstance(error, DatabaseUnavailableError):
        if error.transient:
            return f"{error}; try again later", EXIT_TRANSIENT
        return f"{error}; check SEROI_DB_PATH={settings.db_path}", EXIT_OPERATOR
    if isinstance(error, PseudonymKeyMismatchError):
        return (
            f"SEROI_PSEUDONYM_KEY is not the key the database {settings.db_path} was made "
            "with: set the key it was made with, or change keys on purpose with "
            "`seroi-bot rotate-key` (see the README)",
            EXIT_OPERATOR,
        )
    if isinstance(error, InvalidToken):
        return (
            "the Bot API refused the token: check SEROI_TELEGRAM_TOKEN (from @BotFather) "
            f"and SEROI_TELEGRAM_API_URL={settings.telegram_api_url}",
            EXIT_OPERATOR,
        )
    if isinstance(error, NetworkError):
        return (
            f"cannot reach the Bot API at SEROI_TELEGRAM_API_URL={settings.telegram_api_url} "
            f"({error}); check the address and the network, then start again",
            EXIT_TRANSIENT,
        )
    return None


async def serve(application: Application) -> None:
    """Poll until SIGINT or SIGTERM, then finish the current update and stop."""
    from bot.polling import poll, started

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, stop.set)
    async with started(application):
        await poll(application, stop)


def rotate_key() -> int:
    """Rewrite every pseudonym from SEROI_OLD_PSEUDONYM_KEY to SEROI_PSEUDONYM_KEY."""
    settings = load_settings()
    if settings is None:
        return EXIT_OPERATOR
    old_key = settings.old_pseudonym_key
    if old_key is None:
        print(
            "seroi-bot: SEROI_OLD_PSEUDONYM_KEY is not set: set it to the key the database "
            "was made with, and SEROI_PSEUDONYM_KEY to the new one",
            file=sys.stderr,
        )
        return EXIT_OPERATOR
    if old_key.get_secret_value() == settings.pseudonym_key.get_secret_value():
        print(
            "seroi-bot: SEROI_OLD_PSEUDONYM_KEY and SEROI_PSEUDONYM_KEY are the same key; "
            "nothing to do",
            file=sys.stderr,
        )
        return EXIT_OPERATOR
    if not has_database(settings):
        return EXIT_OPERATOR
    configure_logging(
        "WARNING", [old_key.get_secret_value(), settings.pseudonym_key.get_secret_value()]
    )
    from bot.pseudonym_keys import KeyRotationError

    try:
        with instance_lock(settings.db_path):
            moved = asyncio.run(_rotate(settings, old_key))
    except DatabaseUnavailableError as error:
        print(f"seroi-bot: {error}; nothing was changed", file=sys.stderr)
        return EXIT_TRANSIENT if error.transient else EXIT_OPERATOR
    except KeyRotationError as error:
        print(f"seroi-bot: {error}; nothing was changed", file=sys.stderr)
        return EXIT_OPERATOR
    print(
        f"seroi-bot: the pseudonyms of {moved} people now use the new SEROI_PSEUDONYM_KEY; "
        "start the bot with it, and remove SEROI_OLD_PSEUDONYM_KEY"
    )
    return 0


async def _rotate(settings: Settings, old_key: SecretStr) -> int:
    from bot.pseudonym_keys import rotate_key as rotate
    from bot.services import Services

    database = await Database.open(settings.db_path)
    try:
        old = Services(settings=settings.model_copy(update={"pseudonym_key": old_key}), db=database)
        return await rotate(old, Services(settings=settings, db=database))
    finally:
        await database.close()


def export_observations(slug: str, out: str | None) -> int:
    """Write a pilot's observations CSV; works while the bot runs."""
    settings = settings_with_database()
    if settings is None:
        return EXIT_OPERATOR
    from bot.features.checkins.export import UnknownPilotError, observations_csv

    try:
        text, count = asyncio.run(on_services(settings, lambda s: observations_csv(s, slug)))
    except DatabaseUnavailableError as error:
        print(f"seroi-bot: {error}", file=sys.stderr)
        return EXIT_TRANSIENT if error.transient else EXIT_OPERATOR
    except UnknownPilotError:
        print(f"seroi-bot: there is no pilot {slug!r} (see /pilots)", file=sys.stderr)
        return EXIT_OPERATOR
    if out is None:
        sys.stdout.write(text)
    else:
        Path(out).write_text(text, encoding="utf-8")
        print(f"seroi-bot: {count} observations written to {out}", file=sys.stderr)
    return 0


def checkin_setup(slug: str, wellbeing: str | None, support: str | None) -> int:
    """Set a pilot's wellbeing module and support pointer; print what is set."""
    settings = settings_with_database()
    if settings is None:
        return EXIT_OPERATOR
    from bot.features.checkins.pilot_setup import configure

    try:
        setup = asyncio.run(on_services(settings, lambda s: configure(s, slug, wellbeing, support)))
    except DatabaseUnavailableError as error:
        print(f"seroi-bot: {error}", file=sys.stderr)
        return EXIT_TRANSIENT if error.transient else EXIT_OPERATOR
    if setup is None:
        print(f"seroi-bot: there is no pilot {slug!r} (see /pilots)", file=sys.stderr)
        return EXIT_OPERATOR
    module, pointer = setup
    print(f"seroi-bot: {slug}: monthly module {module}; support pointer: {pointer or 'none'}")
    return 0


def summary_command(slug: str, lang: str | None, out: Path) -> int:
    """Print a pilot's summary and write its charts; works while the bot runs."""
    from bot.features.summaries.summary import summary_of_pilot

    found = for_pilot(slug, lambda s, language: summary_of_pilot(s, slug, lang or language))
    if isinstance(found, int):
        return found
    built, pictures = found
    print(built.text)
    if pictures:
        out.mkdir(parents=True, exist_ok=True)
        for name, png in pictures:
            (out / name).write_bytes(png)
        print(f"seroi-bot: {len(pictures)} charts written to {out}", file=sys.stderr)
    return 0


def export_command(slug: str, lang: str | None, out: Path) -> int:
    """Write a pilot's export ZIP, as /export builds it; works while the bot runs."""
    from bot.features.reports.use_cases import export_of_pilot

    found = for_pilot(slug, lambda s, language: export_of_pilot(s, slug, lang or language))
    if isinstance(found, int):
        return found
    print(found.text)
    if not found.documents:
        return EXIT_OPERATOR
    out.write_bytes(found.documents[0].data)
    print(f"seroi-bot: the export is in {out}", file=sys.stderr)
    return 0


def for_pilot(slug: str, use: Callable[[Services, str], Awaitable[T | None]]) -> T | int:
    """What `use` (given the services and the default language) finds for the pilot, or the
    exit status after saying why there is nothing: no database, storage down, no pilot."""
    settings = settings_with_database()
    if settings is None:
        return EXIT_OPERATOR
    try:
        found = asyncio.run(
            on_services(settings, lambda services: use(services, settings.default_language))
        )
    except DatabaseUnavailableError as error:
        print(f"seroi-bot: {error}", file=sys.stderr)
        return EXIT_TRANSIENT if error.transient else EXIT_OPERATOR
    if found is None:
        print(f"seroi-bot: there is no pilot {slug!r} (see /pilots)", file=sys.stderr)
        return EXIT_OPERATOR
    return found


def has_database(settings: Settings) -> bool:
    """Whether SEROI_DB_PATH names a database; if not, says so."""
    if settings.db_path.is_file():
        return True
    print(f"seroi-bot: there is no database at SEROI_DB_PATH={settings.db_path}", file=sys.stderr)
    return False


def settings_with_database() -> Settings | None:
    """Valid settings naming an existing database, with quiet logging; None after saying why."""
    settings = load_settings()
    if settings is None or not has_database(settings):
        return None
    configure_logging("WARNING", [settings.pseudonym_key.get_secret_value()])
    return settings


async def on_services(settings: Settings, use: Callable[[Services], Awaitable[T]]) -> T:
    """Run `use` on the services of the database the settings name, then close it."""
    from bot.scheduling import Clock, FileClock
    from bot.services import Services

    # The bot's own clock: a summary's closed waves are the ones the bot counts as closed.
    clock = FileClock(settings.clock_file) if settings.clock_file else Clock()
    database = await Database.open(settings.db_path)
    try:
        return await use(Services(settings=settings, db=database, clock=clock))
    finally:
        await database.close()


if __name__ == "__main__":
    sys.exit(main())
