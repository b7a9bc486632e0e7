"""Results prepared when a wave closes (bot/features/summaries/preparing.py), end to end.

The tick notices a wave newly over and, in the background, folds it into the kept sums and
publishes the actual return and the wave's figures; the coordinator's next /summary reads
no answer. A /summary during the preparation shares its one aggregation; a tick with
nothing newly over starts nothing; a restart prepares again at the first tick; shutdown
waits for a preparation before the database closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.chat.context import BotContext
from bot.features.summaries.preparing import preparations_of, prepare_closed_waves
from bot.scheduling import run_due
from seroi.i18n import format_number

from .test_analysis_aggregates import answer_reads, passes_over_every_answer
from .test_checkins_clock import MONDAY, ClockedPilot, clocked_pilot
from .test_impact_map import coordinator
from .test_summaries import (
    CLOSED_WEEKS,
    OPEN_WEEK,
    commuter,
    laitila_with_closed_weeks,
    map_uploaded,
    residents,
    summary_of,
    wave,
    weeks_of,
    write,
)
from .test_summary_kept_sums import bot_on, next_week_closed, published, stopped

__all__ = ["stopped"]  # the fixture, used by name


@pytest.fixture
async def pilot(tmp_path: Path) -> AsyncIterator[ClockedPilot]:
    async for running in clocked_pilot(tmp_path):
        yield running


async def prepared(pilot: ClockedPilot) -> None:
    """Wait until no preparation the tick started is still running."""
    running = preparations_of(pilot.application).running
    await pilot.sandbox.wait_for_async(lambda: not running, 10)


def return_over(pilot: ClockedPilot, weeks: int) -> dict[str, Any]:
    """The one actual return published over this many weekly waves."""
    [figures] = [
        json.loads(figures)
        for waves, figures in published(pilot).items()
        if len(json.loads(waves)) == weeks
    ]
    return figures


def actual_line(figures: dict[str, Any]) -> str:
    """How /summary (in English) words a published actual return."""
    ratio = format_number(figures["actual"]["ratio"], "en", decimals=2)
    return f"Actual so far: {ratio} : 1"


def member_sums_reads(reads: list[str]) -> int:
    """How many reads of answers computed per-member sums (an aggregation), not figures."""
    return sum("GROUP BY pseudonym" in sql for sql in reads)


async def test_a_wave_closing_is_prepared_at_the_tick_and_the_next_summary_reads_no_answer(
    pilot: ClockedPilot,
) -> None:
    kaisa, names = await laitila_with_closed_weeks(pilot)
    reads = answer_reads(pilot.services.db)
    await pilot.tick()
    await prepared(pilot)
    three_weeks = return_over(pilot, len(CLOSED_WEEKS))

    # The open week is answered and closes; a tick, and no coordinator asks.
    wave(pilot, OPEN_WEEK, {name: commuter(4) for name in names})
    pilot.clock.set(MONDAY + timedelta(days=7))
    reads.clear()
    await pilot.tick()
    await prepared(pilot)
    four_weeks = return_over(pilot, len(CLOSED_WEEKS) + 1)
    assert four_weeks["actual"]["ratio"] != three_weeks["actual"]["ratio"]
    assert member_sums_reads(reads) == 1
    assert passes_over_every_answer(reads) == 0, "the new week alone was read and added"

    reads.clear()
    text, photos = await summary_of(kaisa, pilot)
    assert reads == [], "the return and the week's figures were ready"
    assert actual_line(four_weeks) in text
    assert "home_days: 4.0 (n = 12)" in text
    assert photos
    assert return_over(pilot, len(CLOSED_WEEKS) + 1) == four_weeks


class _Sharing(dict):
    """`AnalysisReads._computing`, counting the requests that joined an aggregation."""

    joined = 0

    def get(self, key: Any, default: Any = None) -> Any:
        found = super().get(key, default)
        self.joined += found is not None
        return found


def held_calls(owner: Any, name: str) -> tuple[list[tuple], asyncio.Event]:
    """From now on, each call of the coroutine method `owner.name` waits for the event;
    their arguments."""
    started: list[tuple] = []
    release = asyncio.Event()
    call = getattr(owner, name)

    async def held(*arguments: Any) -> Any:
        started.append(arguments)
        await release.wait()
        return await call(*arguments)

    setattr(owner, name, held)
    return started, release


def held_aggregations(pilot: ClockedPilot) -> tuple[list[tuple], asyncio.Event]:
    """From now on, each aggregation the bot starts waits for the event; their arguments."""
    return held_calls(pilot.services.analysis, "_aggregate")


async def until(pilot: ClockedPilot, condition: Callable[[], bool]) -> None:
    await pilot.sandbox.wait_for_async(condition, 10)


async def test_a_summary_asked_during_the_preparation_shares_its_one_aggregation(
    pilot: ClockedPilot,
) -> None:
    kaisa, names = await laitila_with_closed_weeks(pilot)
    await pilot.tick()
    await prepared(pilot)
    wave(pilot, OPEN_WEEK, {name: commuter(4) for name in names})
    pilot.clock.set(MONDAY + timedelta(days=7))
    started, release = held_aggregations(pilot)
    sharing = pilot.services.analysis._computing = _Sharing()
    reads = answer_reads(pilot.services.db)

    assert await run_due(BotContext(pilot.application), (prepare_closed_waves,)) == 1
    await until(pilot, lambda: len(started) == 1)
    before = len(kaisa.messages)
    pilot.sandbox.command(kaisa.user, "summary")
    await until(pilot, lambda: sharing.joined == 1)
    release.set()
    await until(pilot, lambda: len(kaisa.messages) > before)
    await pilot.settled()
    await prepared(pilot)

    assert len(started) == 1, "one aggregation for the preparation and the summary"
    assert member_sums_reads(reads) == 1
    assert len(published(pilot)) == 2  # three weeks, then four: one return each
    assert actual_line(return_over(pilot, len(CLOSED_WEEKS) + 1)) in kaisa.messages[before]["text"]


async def test_a_tick_starts_a_preparation_only_for_a_wave_newly_over(
    pilot: ClockedPilot,
) -> None:
    kaisa = await coordinator(pilot, language="en")
    names = residents(pilot, 12)
    weeks_of(pilot, names)
    context = BotContext(pilot.application)

    async def started() -> int:
        count = await run_due(context, (prepare_closed_waves,))
        await prepared(pilot)
        return count

    # The first tick after a start looks at the pilot: without a map, nothing to publish.
    assert await started() == 1
    assert published(pilot) == {}
    assert await started() == 0, "no preparation per tick for a pilot without a map"

    # With a map, the next week reaches its closing time while one prompt is still open
    # (the check-ins' tick has not ended it): the analysis leaves that week out.
    await map_uploaded(kaisa)
    wave(pilot, OPEN_WEEK, {name: commuter(4) for name in names[1:]}, prompted=names)
    still_open = "UPDATE checkin_prompts SET status = ? WHERE pseudonym = ? AND period = ?"
    write(pilot, still_open, [("open", names[0], OPEN_WEEK)])
    pilot.clock.set(MONDAY + timedelta(days=7))
    assert await started() == 1
    assert [len(json.loads(waves)) for waves in published(pilot)] == [len(CLOSED_WEEKS)]
    assert await started() == 1, "the week not yet over is looked at again"

    write(pilot, still_open, [("closed", names[0], OPEN_WEEK)])
    assert await started() == 1
    assert sorted(len(json.loads(waves)) for waves in published(pilot)) == [3, 4]
    assert await started() == 0
    pilot.clock.advance(timedelta(hours=1))
    assert await started() == 0


async def test_after_a_restart_the_first_tick_prepares_and_the_first_summary_reads_no_answer(
    stopped: ClockedPilot,
) -> None:
    pilot = stopped
    async with bot_on(pilot):
        kaisa, names = await laitila_with_closed_weeks(pilot)
        await pilot.tick()
        await prepared(pilot)

    # While the bot is down, the next week is answered and closes.
    next_week_closed(pilot, names)
    async with bot_on(pilot) as reads:
        await pilot.tick()
        await prepared(pilot)
        assert member_sums_reads(reads) == 1
        assert passes_over_every_answer(reads) == 0, "the sums were read back from disk"
        four_weeks = return_over(pilot, len(CLOSED_WEEKS) + 1)
        reads.clear()
        text, _photos = await summary_of(kaisa, pilot)
        assert reads == []
        assert actual_line(four_weeks) in text


class _Records(logging.Handler):
    """Warnings and errors, and what to do when one message is logged (`then`)."""

    def __init__(self, message: str) -> None:
        super().__init__(level=logging.INFO)
        self.message = message
        self.then: Callable[[], None] = lambda: None
        self.problems: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.WARNING:
            self.problems.append(record.getMessage())
        if record.getMessage().startswith(self.message):
            self.then()


@contextlib.contextmanager
def watched_log(message: str) -> Iterator[_Records]:
    """The root logger's records watched for `message` (and problems) meanwhile."""
    records = _Records(message)
    logging.getLogger().addHandler(records)
    try:
        yield records
    finally:
        logging.getLogger().removeHandler(records)


async def test_shutdown_waits_for_a_preparation_and_leaves_nothing_pending(
    stopped: ClockedPilot,
) -> None:
    pilot = stopped
    # Logged once the bot, stopping, waits for the preparation.
    with watched_log("waiting for 1 summary preparation") as records:
        async with bot_on(pilot):
            kaisa, _names = await laitila_with_closed_weeks(pilot)
            started, release = held_aggregations(pilot)
            records.then = release.set
            assert await run_due(BotContext(pilot.application), (prepare_closed_waves,)) == 1
            await until(pilot, lambda: len(started) == 1)
            # Leaving the block stops the bot while the aggregation is held; it is released
            # only once shutdown says it waits for the preparation.
    assert release.is_set()
    assert records.problems == []
    # The preparation ended before the database closed: its return was stored.
    three_weeks = return_over(pilot, len(CLOSED_WEEKS))

    async with bot_on(pilot) as reads:
        text, _photos = await summary_of(kaisa, pilot)
        assert member_sums_reads(reads) == 0
        assert actual_line(three_weeks) in text


async def test_a_failing_preparation_is_logged_not_retried_and_the_summary_computes_it(
    pilot: ClockedPilot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    kaisa, _names = await laitila_with_closed_weeks(pilot)
    context = BotContext(pilot.application)
    attempts = []

    async def broken(services: Any, pilot_id: int) -> None:
        attempts.append(pilot_id)
        raise RuntimeError("a fault in the preparation")

    monkeypatch.setattr("bot.features.summaries.preparing.prepare", broken)
    assert await run_due(context, (prepare_closed_waves,)) == 1
    await prepared(pilot)
    assert any("could not prepare" in record.getMessage() for record in caplog.records)
    pilot.clock.advance(timedelta(hours=1))
    assert await run_due(context, (prepare_closed_waves,)) == 0, "not tried at every tick"
    assert len(attempts) == 1
    assert published(pilot) == {}

    # The coordinator's request computes what was not prepared.
    text, _photos = await summary_of(kaisa, pilot)
    assert actual_line(return_over(pilot, len(CLOSED_WEEKS))) in text
