"""The one recurring tick over due rows, the clock it reads, and job-side transactions.

The database is the source of truth: each module keeps `next_due_at` per member, and
the tick asks every registered piece of due work to handle what is due now, in batches.
Whatever a batch says is stored in the transaction that claimed the rows, and sent after
it commits, so a restart neither loses nor repeats what was due (see `bot.outbox`).
Nothing is scheduled per person, and a tick costs O(due rows).
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.chat.context import BotContext
    from bot.storage.models import StoredReply

log = logging.getLogger(__name__)

# One piece of due work: handle up to `limit` rows due at `now`; how many it handled.
DueWork = Callable[["BotContext", datetime, int], Awaitable[int]]
BATCH = 200

# What the batches of a running `run_due` stored: sent once its last batch has committed.
_stored_by_tick: contextvars.ContextVar[list[StoredReply] | None] = contextvars.ContextVar(
    "stored_by_tick", default=None
)


class Clock:
    """The time, in UTC: the system's, unless the demo or a test sets its own."""

    def now(self) -> datetime:
        """The current moment (aware, UTC)."""
        return datetime.now(UTC)


class ManualClock(Clock):
    """A clock that moves only when told to (the demo's compressed weeks, tests)."""

    def __init__(self, start: datetime) -> None:
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """The moment it was set to."""
        return self._now

    def set(self, moment: datetime) -> None:
        """Jump to a moment."""
        self._now = moment.astimezone(UTC)

    def advance(self, by: timedelta) -> None:
        """Move forward."""
        self._now += by


class FileClock(Clock):
    """The time written in a file (ISO), for a bot in another process under test."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def now(self) -> datetime:
        """The moment in the file, or the system's when the file is missing or empty."""
        try:
            text = self._path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            text = ""
        return datetime.fromisoformat(text).astimezone(UTC) if text else datetime.now(UTC)


@asynccontextmanager
async def job_transaction(context: BotContext) -> AsyncIterator[None]:
    """A write transaction for a job: what is said inside is stored in it, sent after it."""
    outbox = context.outbox
    with outbox.composing() as replies:
        async with context.services.db.transaction():
            yield
            stored = await outbox.store_in_transaction(replies)
    held = _stored_by_tick.get()
    if held is None:
        outbox.send_stored(stored)
    else:
        held.extend(stored)


async def run_due(context: BotContext, work: tuple[DueWork, ...], batch: int = BATCH) -> int:
    """Handle everything due now, batch by batch; how many rows were handled.

    What the batches store goes out when the last one has committed, not batch by batch:
    sending it would otherwise compete with the later batches for the event loop, and
    every batch holds the write lock that residents' answers wait for.
    """
    now = context.services.clock.now()
    handled = 0
    held: list[StoredReply] = []
    marker = _stored_by_tick.set(held)
    try:
        for piece in work:
            while True:
                count = await piece(context, now, batch)
                handled += count
                if count < batch:
                    break
    finally:
        _stored_by_tick.reset(marker)
        context.outbox.send_stored(held)
    return handled


async def tick(context: BotContext) -> None:
    """The recurring job: the due work wired in `bot.app` (`job.data`)."""
    handled = await run_due(context, context.job.data)
    if handled:
        log.info("tick: %d due rows handled", handled)
