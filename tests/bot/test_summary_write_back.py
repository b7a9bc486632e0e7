"""The per-member sums written back to disk after the result, in the background, end to end.

The coordinator's reply does not wait for the write; shutdown waits for it before the
database closes; a write lost with the process only means the new wave is read again
after a restart (the sums on disk say which waves they hold); and a member erased while
the sums that still hold them are being written stays off the disk.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest

from bot.demo.participants import Participant

from .test_analysis_aggregates import passes_over_every_answer
from .test_checkins_clock import ClockedPilot
from .test_impact_map import coordinator
from .test_summaries import (
    CLOSED_WEEKS,
    OPEN_WEEK,
    laitila_with_closed_weeks,
    map_uploaded,
    residents,
    results_part,
    summary_of,
    weeks_of,
    write,
)
from .test_summary_kept_sums import bot_on, full_pass_summary, next_week_closed, stopped
from .test_summary_prepared import held_calls, member_sums_reads, watched_log

__all__ = ["stopped"]  # the fixture, used by name


def held_write_backs(pilot: ClockedPilot) -> tuple[list[tuple], asyncio.Event]:
    """From now on, each write-back of the sums waits for the event; their arguments."""
    return held_calls(pilot.services.analysis, "_store_sums")


def weeks_on_disk(pilot: ClockedPilot) -> list[str]:
    """The weeks the sums on disk hold, as they say."""
    [(covered,)] = pilot.rows("SELECT waves FROM analysis_summed")
    return [period for _module, period, _closes in json.loads(covered)]


async def three_weeks_summed(pilot: ClockedPilot, kaisa: Participant) -> None:
    """The coordinator's first summary, and its sums (three weeks) written to disk."""
    await summary_of(kaisa, pilot)
    await pilot.services.db.background_done()
    assert weeks_on_disk(pilot) == list(CLOSED_WEEKS)


async def test_the_reply_does_not_wait_for_the_write_back_and_shutdown_does(
    stopped: ClockedPilot,
) -> None:
    pilot = stopped
    with watched_log("waiting for 1 background write") as records:
        async with bot_on(pilot):
            kaisa, names = await laitila_with_closed_weeks(pilot)
            await three_weeks_summed(pilot, kaisa)
            next_week_closed(pilot, names)
            started, release = held_write_backs(pilot)
            records.then = release.set
            text, _photos = await summary_of(kaisa, pilot)
            assert "home_days: 4.0 (n = 12)" in text
            assert len(started) == 1
            assert weeks_on_disk(pilot) == list(CLOSED_WEEKS), "answered before the write"
            # Leaving the block stops the bot with the write held; it is released only
            # once the database, closing, says it waits for it.
    assert release.is_set()
    assert records.problems == []
    assert weeks_on_disk(pilot) == [*CLOSED_WEEKS, OPEN_WEEK]

    # Nothing published: a restart computes the return from the four weeks on disk alone.
    write(pilot, "DELETE FROM published_returns", [()])
    async with bot_on(pilot) as reads:
        again, _photos = await summary_of(kaisa, pilot)
    assert member_sums_reads(reads) == 0
    assert results_part(again) == results_part(text)


async def test_a_lost_write_back_only_means_the_new_week_is_read_again(
    stopped: ClockedPilot, caplog: pytest.LogCaptureFixture
) -> None:
    pilot = stopped
    async with bot_on(pilot):
        kaisa, names = await laitila_with_closed_weeks(pilot)
        await three_weeks_summed(pilot, kaisa)
        next_week_closed(pilot, names)

        async def lost(*_arguments: Any) -> None:
            raise OSError("the process died before the sums were written")

        pilot.services.analysis._store_sums = lost
        text, _photos = await summary_of(kaisa, pilot)
        await pilot.services.db.background_done()
    assert any("background work failed" in record.getMessage() for record in caplog.records)
    assert weeks_on_disk(pilot) == list(CLOSED_WEEKS), "the sums on disk still say three weeks"

    write(pilot, "DELETE FROM published_returns", [()])
    async with bot_on(pilot) as reads:
        again, _photos = await summary_of(kaisa, pilot)
    assert passes_over_every_answer(reads) == 0
    assert member_sums_reads(reads) == 1, "the fourth week, read once and added once"
    assert results_part(again) == results_part(text)
    assert await full_pass_summary(pilot, kaisa) == again


async def test_a_member_erased_during_the_write_back_stays_off_the_disk(
    stopped: ClockedPilot, caplog: pytest.LogCaptureFixture
) -> None:
    pilot = stopped
    kept_of_leaver = "SELECT COUNT(*) FROM analysis_sums WHERE pseudonym = ?"
    async with bot_on(pilot):
        kaisa = await coordinator(pilot, language="en")
        await map_uploaded(kaisa)
        leaver = await pilot.member("Ilmatar", "en")
        pseudonym = pilot.services.pseudonym(leaver.user.id)
        names = residents(pilot, 12)
        weeks_of(pilot, [*names, pseudonym])
        await three_weeks_summed(pilot, kaisa)
        assert pilot.rows(kept_of_leaver, (pseudonym,)) == [(1,)]

        next_week_closed(pilot, names)
        started, release = held_write_backs(pilot)
        await summary_of(kaisa, pilot)
        [(_pilot, _erasures, _waves, summed)] = started
        assert pseudonym in summed, "the sums being written hold the leaver"
        await leaver.command("delete")
        await leaver.press("erase")
        await pilot.settled()
        assert pilot.rows(kept_of_leaver, (pseudonym,)) == [(0,)]
        release.set()
        await pilot.services.db.background_done()
        assert pilot.rows(kept_of_leaver, (pseudonym,)) == [(0,)]
        assert weeks_on_disk(pilot) == list(CLOSED_WEEKS), "the write that held them dropped"
        # Dropped because rows were erased since its answers were read, not failed (on the
        # erased person's foreign key, say).
        assert not [record for record in caplog.records if record.levelno >= logging.WARNING]

    write(pilot, "DELETE FROM published_returns", [()])
    async with bot_on(pilot) as reads:
        after, _photos = await summary_of(kaisa, pilot)
    assert passes_over_every_answer(reads) == 0
    assert pilot.rows(kept_of_leaver, (pseudonym,)) == [(0,)]
    assert "home_days: 4.0 (n = 12)" in after
    assert await full_pass_summary(pilot, kaisa) == after
