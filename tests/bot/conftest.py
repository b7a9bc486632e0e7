"""The real bot, long polling over HTTP against the offline sandbox, with simulated people."""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.demo.participants import Participant, invite_code, running_bot
from bot.logs import Redactor
from bot.services import Services, services_of
from bot.settings import Settings
from sandbox.core import Sandbox
from sandbox.testing import assert_no_unimplemented_calls, running_server

TOKEN = "7000000002:offline-sandbox-test-token-not-a-secret"
KEY = "test-pseudonym-key-0123456789"


@dataclass
class Pilot:
    """A running bot with an admin and, on demand, pilots and invites."""

    sandbox: Sandbox
    application: Application
    settings: Settings
    admin: Participant
    created: dict[str, int] = field(default_factory=dict)
    people: list[Participant] = field(default_factory=list)

    @property
    def services(self) -> Services:
        """The bot's own services (for looking into its database)."""
        return services_of(self.application)

    def person(self, name: str, language_code: str = "fi") -> Participant:
        """A new Telegram user."""
        person = Participant.create(self.sandbox, name, language_code, bot_db=self.settings.db_path)
        self.people.append(person)
        return person

    async def invite(self, role: str = "member", pilot: str = "Laitila", extra: str = "") -> str:
        """An invite code made by the admin through the bot itself."""
        if pilot not in self.created:
            await self.admin.command("newpilot", pilot)
            self.created[pilot] = len(self.created) + 1
        else:
            await self.admin.command("pilots")
            await self.admin.press("pilot", str(self.created[pilot]))
        [reply] = await self.admin.command("invite", f"{role} {extra}".strip())
        return invite_code(reply)

    async def settled(self) -> None:
        """Wait until the bot has handled every update and sent every reply."""
        outbox = self.application.bot_data["outbox"]
        await self.sandbox.wait_for_async(
            lambda: not self.sandbox.pending_updates() and outbox.idle, 10
        )

    def rows(self, sql: str, parameters: tuple = ()) -> list[tuple]:
        """Query the bot's database from outside, as an auditor would."""
        connection = sqlite3.connect(self.settings.db_path)
        try:
            return connection.execute(sql, parameters).fetchall()
        finally:
            connection.close()


def make_settings(db_path: Path, admin_id: int, base_url: str, file_url: str) -> Settings:
    """Settings for a bot talking to a sandbox."""
    return Settings(
        _env_file=None,
        telegram_token=TOKEN,
        telegram_api_url=base_url,
        telegram_file_url=file_url,
        db_path=db_path,
        admin_ids=frozenset({admin_id}),
        pseudonym_key=KEY,
        default_language="fi",
        telegram_timeout=2.0,
    )


@pytest.fixture
async def pilot(tmp_path: Path) -> AsyncIterator[Pilot]:
    sandbox = Sandbox(token=TOKEN, bot_username="seroi_test_bot")
    admin = Participant.create(sandbox, "Anna", "en", bot_db=tmp_path / "seroi.db")
    with running_server(sandbox) as server:
        settings = make_settings(
            tmp_path / "seroi.db", admin.user.id, server.base_url, server.base_file_url
        )
        async with running_bot(settings) as application:
            yield Pilot(sandbox, application, settings, admin)
    assert_no_unimplemented_calls(sandbox)


class _Lines(logging.Handler):
    """Keeps every formatted record, as an operator's log file would."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def _what_must_not_be_logged(pilot: Pilot) -> list[str]:
    """The secrets, and what the simulated people are and said."""
    found = [TOKEN, TOKEN.split(":", 1)[1], KEY]
    for person in [pilot.admin, *pilot.people]:
        found.append(str(person.user.id))
        if len(person.name) >= 4:  # shorter names match inside ordinary words
            found.append(person.name)
        for message in pilot.sandbox.messages_in(person.user.id):
            if message["from"]["id"] != person.user.id:
                continue
            text = message.get("text") or message.get("caption") or ""
            if not text.startswith("/"):
                if len(text) >= 6:
                    found.append(text)
            elif " " in text and len(payload := text.split(maxsplit=1)[1]) >= 12:
                # A command and short arguments (`member 5`) are the bot's own vocabulary,
                # which it may log; an invite code or a pilot's full name is not.
                found.append(payload)
    return found


@pytest.fixture(autouse=True)
def debug_log_holds_no_personal_data(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test of the bot runs with DEBUG logging, filtered as `seroi-bot` filters it; a
    test whose log holds a token, key, Telegram id, name or message text fails."""
    pilot: Pilot | None = (
        request.getfixturevalue("pilot") if "pilot" in request.fixturenames else None
    )
    handler = _Lines()
    handler.addFilter(Redactor([TOKEN, KEY]))
    root = logging.getLogger()
    level, before = root.level, list(root.handlers)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        # A command run in-process (`configure_logging`) leaves a handler writing to this
        # test's captured stderr, which pytest then closes: later tests' records would
        # meet a closed file. The root logger gets back what it had.
        root.handlers[:] = before
        root.setLevel(level)
    if pilot is None:
        return
    log = "\n".join(handler.lines)
    leaks = [
        secret
        for secret in _what_must_not_be_logged(pilot)
        if re.search(rf"(?<![\w-]){re.escape(secret)}(?![\w-])", log)
    ]
    assert not leaks, f"the DEBUG log holds {leaks}"
