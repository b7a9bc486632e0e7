"""Check-in test helpers (no tests here): a pilot whose bot runs on a clock the test moves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import DUE_WORK
from bot.chat.context import BotContext
from bot.demo.participants import Participant, running_bot
from bot.scheduling import ManualClock, run_due
from sandbox.core import Sandbox
from sandbox.testing import assert_no_unimplemented_calls, running_server

from .conftest import TOKEN, Pilot, make_settings

HELSINKI = ZoneInfo("Europe/Helsinki")
# A Monday, 07:00 in Helsinki: the weekly wave about 23–29 Nov opens at 08:00.
MONDAY = datetime(2026, 11, 30, 7, 0, tzinfo=HELSINKI)


class ClockedPilot(Pilot):
    """A pilot with the bot's clock in hand."""

    clock: ManualClock

    async def tick(self) -> None:
        """One run of the scheduler's tick, then wait for what it sent."""
        await run_due(BotContext(self.application), DUE_WORK)
        await self.settled()

    async def at(self, moment: datetime) -> None:
        """Move the clock to `moment` and tick."""
        self.clock.set(moment)
        await self.tick()

    async def later(self, **delta: float) -> None:
        """Move the clock on and tick."""
        self.clock.advance(timedelta(**delta))
        await self.tick()

    async def member(
        self, name: str, language: str = "fi", consents: set[str] | None = None
    ) -> Participant:
        """A member who joined with these consents (check-ins only by default), for Mondays 08–11.

        They skip the distance at onboarding, so the first check-in asks it.
        """
        code = await self.invite("member")
        person = self.person(name, language_code=language)
        await person.join(
            code,
            language,
            consents or {"checkins"},
            "resident",
            distance=None,
            day="mon",
            window="08-11",
        )
        return person


async def clocked_pilot(tmp_path: Path, start: datetime = MONDAY) -> AsyncIterator[ClockedPilot]:
    """The `pilot` fixture's bot with a manual clock and a tick that only the test runs."""
    sandbox = Sandbox(token=TOKEN, bot_username="seroi_test_bot")
    admin = Participant.create(sandbox, "Anna", "en", bot_db=tmp_path / "seroi.db")
    clock = ManualClock(start)
    with running_server(sandbox) as server:
        settings = make_settings(
            tmp_path / "seroi.db", admin.user.id, server.base_url, server.base_file_url
        ).model_copy(update={"tick_seconds": 3600})
        async with running_bot(settings, clock=clock) as application:
            pilot = ClockedPilot(sandbox, application, settings, admin)
            pilot.clock = clock
            yield pilot
    assert_no_unimplemented_calls(sandbox)


def buttons(message: dict) -> list[str]:
    """The texts of a message's buttons."""
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [button["text"] for row in rows for button in row]
