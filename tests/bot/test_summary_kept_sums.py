"""/summary over the per-member sums kept on disk (migration 0021), end to end.

After a restart, and after a member's /delete, the next wave's summary adds that wave's
answers to the sums on disk instead of reading every answer again; its numbers are the
ones a pass over every answer gives, and an erased member's sums leave the disk with them.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.demo.participants import Participant, running_bot
from bot.scheduling import ManualClock
from bot.services import services_of
from sandbox.core import Sandbox
from sandbox.errors import WaitTimeout
from sandbox.testing import assert_no_unimplemented_calls, running_server

from .conftest import TOKEN, make_settings
from .test_analysis_aggregates import answer_reads, passes_over_every_answer
from .test_checkins_clock import MONDAY, ClockedPilot
from .test_erasure_on_disk import _files_holding, _traces
from .test_impact_map import coordinator
from .test_summaries import (
    CLOSED_WEEKS,
    OPEN_WEEK,
    commuter,
    laitila_with_closed_weeks,
    map_uploaded,
    residents,
    results_part,
    summary_of,
    wave,
    weeks_of,
    write,
)


@pytest.fixture
async def stopped(tmp_path: Path) -> AsyncIterator[ClockedPilot]:
    """A pilot whose bot the test starts, stops and starts again (`bot_on`)."""
    sandbox = Sandbox(token=TOKEN, bot_username="seroi_test_bot")
    admin = Participant.create(sandbox, "Anna", "en", bot_db=tmp_path / "seroi.db")
    with running_server(sandbox) as server:
        settings = make_settings(
            tmp_path / "seroi.db", admin.user.id, server.base_url, server.base_file_url
        ).model_copy(update={"tick_seconds": 3600})
        pilot = ClockedPilot(sandbox, None, settings, admin)
        pilot.clock = ManualClock(MONDAY)
        yield pilot
    assert_no_unimplemented_calls(sandbox)


@contextlib.asynccontextmanager
async def bot_on(pilot: ClockedPilot) -> AsyncIterator[list[str]]:
    """The bot started (again) on the pilot's database; the SQL of its reads of answers."""
    async with running_bot(pilot.settings, clock=pilot.clock) as application:
        pilot.application = application
        yield answer_reads(services_of(application).db)
        await pilot.settled()


def next_week_closed(pilot: ClockedPilot, names: list[str]) -> None:
    wave(pilot, OPEN_WEEK, {name: commuter(4) for name in names})
    pilot.clock.set(MONDAY + timedelta(days=7))


def published(pilot: ClockedPilot) -> dict[str, str]:
    """The published returns at full precision, by the waves they read."""
    return dict(pilot.rows("SELECT waves, figures FROM published_returns"))


def published_again(pilot: ClockedPilot, before: dict[str, str]) -> bool:
    """Whether the one return published since is, to the last digit, one published before."""
    again = published(pilot)
    return len(again) == 1 and again.items() <= before.items()


async def full_pass_summary(pilot: ClockedPilot, kaisa: Participant) -> str:
    """The summary a restarted bot shows with nothing kept or published: every answer read."""
    write(pilot, "DELETE FROM published_returns", [()])
    write(pilot, "DELETE FROM analysis_summed", [()])
    async with bot_on(pilot) as reads:
        text, _photos = await summary_of(kaisa, pilot)
    assert passes_over_every_answer(reads) == 1
    return text


async def test_after_a_restart_the_next_wave_is_added_to_the_sums_on_disk(
    stopped: ClockedPilot,
) -> None:
    pilot = stopped
    async with bot_on(pilot):
        kaisa, names = await laitila_with_closed_weeks(pilot)
        first, _photos = await summary_of(kaisa, pilot)
    assert pilot.rows("SELECT COUNT(*) FROM analysis_sums") == [(12,)]
    [(covered,)] = pilot.rows("SELECT waves FROM analysis_summed")
    assert [period for _module, period, _closes in json.loads(covered)] == list(CLOSED_WEEKS)

    # While the bot is down, the next week is answered and closes.
    next_week_closed(pilot, names)
    async with bot_on(pilot) as reads:
        kept, _photos = await summary_of(kaisa, pilot)
    assert passes_over_every_answer(reads) == 0
    assert "home_days: 4.0 (n = 12)" in kept
    assert results_part(kept) != results_part(first), "the new week counts"
    kept_figures = published(pilot)

    assert await full_pass_summary(pilot, kaisa) == kept
    assert published_again(pilot, kept_figures)


async def test_delete_takes_the_members_sums_off_disk_and_the_next_wave_reads_no_more(
    stopped: ClockedPilot,
) -> None:
    pilot = stopped
    async with bot_on(pilot) as reads:
        kaisa = await coordinator(pilot, language="en")
        await map_uploaded(kaisa)
        leaver = await pilot.member("Ilmatar", "en")
        leaver.user.username = "ilmatar_kalevala"
        pseudonym = pilot.services.pseudonym(leaver.user.id)
        names = residents(pilot, 12)
        weeks_of(pilot, [*names, pseudonym])
        first, _photos = await summary_of(kaisa, pilot)
        kept_of_leaver = "SELECT COUNT(*) FROM analysis_sums WHERE pseudonym = ?"
        await pilot.services.db.background_done()  # the sums' write-back, after the reply
        assert pilot.rows(kept_of_leaver, (pseudonym,)) == [(1,)]

        await leaver.command("delete")
        await leaver.press("erase")
        await pilot.settled()
        assert pilot.rows(kept_of_leaver, (pseudonym,)) == [(0,)]
        assert pilot.rows("SELECT COUNT(*) FROM analysis_sums") == [(12,)]
        traces = _traces(leaver.user.id, pseudonym, leaver.name, "ilmatar_kalevala")
        with contextlib.suppress(WaitTimeout):
            await pilot.sandbox.wait_for_async(
                lambda: not _files_holding(pilot.settings.db_path, traces), 10
            )
        assert _files_holding(pilot.settings.db_path, traces) == []
        # Within the wave, the published return stays as it was (one set of numbers).
        within, _photos = await summary_of(kaisa, pilot)
        assert results_part(within) == results_part(first)

        next_week_closed(pilot, names)
        reads.clear()
        after, _photos = await summary_of(kaisa, pilot)
        assert passes_over_every_answer(reads) == 0
        assert "home_days: 4.0 (n = 12)" in after
    after_figures = published(pilot)

    assert await full_pass_summary(pilot, kaisa) == after
    assert published_again(pilot, after_figures)
