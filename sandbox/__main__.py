"""Run the sandbox standalone: `python -m sandbox [--port 8081] [--media-dir DIR] ...`.

On start it prints the bot's token, the base URLs, the simulated admin it creates and a
block of SEROI_… settings to paste before `seroi-bot run`; then a live transcript. Lines on
stdin act as users (each created on first use, its id printed):
    as Aino: /start          Aino writes to the bot
    as Aino (fi): /start     the same, and Aino's Telegram language is now Finnish
    press Aino: English      Aino presses a button on the bot's latest message to her
    users                    list the simulated users and their ids
Ctrl-C or SIGTERM stops it (end of input does not, so it can run in the background).
"""

from __future__ import annotations

import argparse
import re
import secrets
import signal
import sys
import threading
from collections.abc import Callable

from sandbox.core import Sandbox, SimUser
from sandbox.errors import SandboxError
from sandbox.server import SandboxServer

_LINE = re.compile(
    r"(?P<verb>as|press)\s+(?P<name>[^:()]+?)\s*(?:\((?P<language>[^)]*)\))?\s*:\s*(?P<text>.+)"
)
# An IETF language tag as Telegram's apps send it in User.language_code: "fi", "en", "pt-br".
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,8})?")
# What BotFather issues: the bot's numeric id, a colon, 35 characters of [A-Za-z0-9_-].
_TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{35}")
_USAGE = "use `as <name>: <text>`, `as <name> (<language>): <text>`, `press <name>: <button>`"


class Console:
    """The standalone sandbox's stdin: one line, one user action; answers through say."""

    def __init__(self, sandbox: Sandbox, say: Callable[[str], None]) -> None:
        self.sandbox = sandbox
        self.users: dict[str, SimUser] = {}
        self._say = say

    def add_user(self, name: str, language: str) -> SimUser:
        """Create a simulated user and print their id (what SEROI_ADMIN_IDS needs)."""
        user = self.sandbox.add_user(name, language_code=language)
        self.users[name] = user
        self._say(f"user {name}: id {user.id}, language {language}")
        return user

    def act(self, line: str) -> None:
        """Do what one line of input says, or explain what a line should look like."""
        if line.strip() == "users":
            for name, user in self.users.items():
                self._say(f"user {name}: id {user.id}, language {user.language_code}")
            return
        match = _LINE.fullmatch(line.strip())
        if match is None:
            self._say(f"?? {_USAGE}")
            return
        name, language = match["name"].strip(), match["language"]
        if language is not None:
            language = language.strip().lower()
            if not _LANGUAGE.fullmatch(language):
                self._say(f"?? {language!r} is not a language code such as fi, en, it or sv")
                return
        user = self.users.get(name) or self.add_user(name, language or "en")
        if language is not None and user.language_code != language:
            user.language_code = language
            self._say(f"user {name}: language {language}")
        try:
            if match["verb"] == "as":
                self.sandbox.send_text(user, match["text"])
                return
            message = self.sandbox.last_bot_message(user.id)
            if message is None:
                self._say(f"?? the bot has not written to {name} yet")
                return
            self.sandbox.press_button(user, message, text=match["text"].strip())
        except SandboxError as error:
            self._say(f"?? {error}")


def _token(value: str) -> str:
    if not _TOKEN.fullmatch(value):
        raise argparse.ArgumentTypeError(
            "a bot token looks like 1234567890:AAH… (the bot's id, a colon, "
            "35 letters, digits, '_' or '-')"
        )
    return value


def build_parser() -> argparse.ArgumentParser:
    """The command line, every flag documented (`python -m sandbox --help`)."""
    parser = argparse.ArgumentParser(
        prog="python -m sandbox",
        description="An offline Telegram for one bot: serve the Bot API on loopback and act "
        "as its users from stdin.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="lines on stdin:\n"
        "  as NAME: TEXT          NAME writes TEXT to the bot (created on first use)\n"
        "  as NAME (fi): TEXT     the same, and NAME's Telegram language becomes fi\n"
        "  press NAME: BUTTON     NAME presses a button on the bot's latest message\n"
        "  users                  list the simulated users and their ids",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: %(default)s)"
    )
    parser.add_argument(
        "--port", type=int, default=8081, help="TCP port; 0 picks a free one (default: %(default)s)"
    )
    parser.add_argument(
        "--token",
        type=_token,
        default=None,
        help="the bot token to accept (default: one drawn from --seed, printed on start)",
    )
    parser.add_argument(
        "--username", default="seroi_demo_bot", help="the bot's username (default: %(default)s)"
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seeds the token, user ids and message details, so a rerun gives the same ids "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--admin",
        metavar="NAME",
        default="Admin",
        help="name of the simulated user created first, whose id goes into SEROI_ADMIN_IDS "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--media-dir",
        metavar="DIR",
        default=None,
        help="also save every photo and document the bot sends into DIR, as it arrives "
        "(default: keep them in memory only)",
    )
    return parser


def settings_block(sandbox: Sandbox, server: SandboxServer, admin: SimUser) -> list[str]:
    """The environment seroi-bot needs to run against this sandbox, as shell lines to paste.

    The pseudonym key is new on every start: keep the one you pasted if you reuse a database.
    """
    return [
        f"export SEROI_TELEGRAM_TOKEN={sandbox.token}",
        f"export SEROI_TELEGRAM_API_URL={server.base_url}",
        f"export SEROI_TELEGRAM_FILE_URL={server.base_file_url}",
        f"export SEROI_ADMIN_IDS={admin.id}",
        f"export SEROI_PSEUDONYM_KEY={secrets.token_urlsafe(32)}",
    ]


def main(argv: list[str] | None = None) -> None:
    """Serve a sandbox until Ctrl-C, echoing the transcript and reading user actions."""
    args = build_parser().parse_args(argv)

    def say(line: str) -> None:
        print(line, flush=True)

    sandbox = Sandbox(
        token=args.token, bot_username=args.username, seed=args.seed, media_dir=args.media_dir
    )
    sandbox.on_transcript(say)
    console = Console(sandbox, say)
    with SandboxServer(sandbox, host=args.host, port=args.port) as server:
        say(f"bot           @{sandbox.bot_username}")
        say(f"token         {sandbox.token}")
        say(f"base_url      {server.base_url}")
        say(f"base_file_url {server.base_file_url}")
        if args.media_dir:
            say(f"media_dir     {args.media_dir}")
        admin = console.add_user(args.admin, "en")
        say("settings for seroi-bot (paste into the shell that runs `seroi-bot run`):")
        for line in settings_block(sandbox, server, admin):
            say(f"  {line}")
        say("end of settings")
        say(f"type lines to act as users ({_USAGE}, `users`); Ctrl-C stops")

        def read_stdin() -> None:
            for line in sys.stdin:
                if line.strip():
                    console.act(line)

        threading.Thread(target=read_stdin, name="sandbox-stdin", daemon=True).start()
        stop = threading.Event()
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signal_number, lambda number, frame: stop.set())
        stop.wait()
        say("stopped")


if __name__ == "__main__":
    main()
