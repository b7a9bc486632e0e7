"""Results prepared when a wave closes, not when the first coordinator asks.

A summary's results are "as of the last closed wave", so the tick notices a pilot whose
latest wave has closed since it was last prepared and starts `summary.prepare` in the
background: the new wave is folded into the kept sums and the actual return and the
wave's figures are published, so the next /summary only reads what is published. A
/summary that arrives meanwhile shares the same computation (`AnalysisReads.aggregates`
shares one in flight; the first published return wins).

It is a cache: nothing is lost if the bot stops during a preparation (the next tick, or
the next request, does it again). The marker of what was prepared lives in memory, so
after a restart the first tick prepares every pilot once (the sums are read back from
disk), and the first request after a restart finds its results ready too.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime

from telegram.ext import Application

from bot.chat.context import BotContext
from bot.features.summaries.summary import prepare, summaries_of
from bot.live import LiveAnalysis
from bot.services import Services

log = logging.getLogger(__name__)


@dataclass
class Preparations:
    """Per pilot, how far its waves are prepared, and the preparation running now."""

    # The closing time up to which every wave of the pilot was seen over and prepared.
    prepared: dict[int, str] = field(default_factory=dict)
    running: dict[int, asyncio.Task[None]] = field(default_factory=dict)


def preparations_of(application: Application) -> Preparations:
    """The application's preparations (created at first use)."""
    return application.bot_data.setdefault("summary_preparations", Preparations())


async def prepare_closed_waves(context: BotContext, now: datetime, limit: int) -> int:
    """The tick's work: start, without waiting for it, the preparation of each pilot
    (up to `limit`) whose latest wave closed after the last one prepared; how many started.

    One small read of `checkin_waves` per tick; a pilot already being prepared is left to
    that preparation.
    """
    preparations = preparations_of(context.application)
    closings = await summaries_of(context.services).latest_closings(
        now.isoformat(timespec="seconds")
    )
    due = [
        (pilot_id, closed)
        for pilot_id, closed in closings.items()
        if pilot_id not in preparations.running and preparations.prepared.get(pilot_id, "") < closed
    ][:limit]
    for pilot_id, closed in due:
        preparations.running[pilot_id] = asyncio.create_task(
            _prepare(context.services, preparations, pilot_id, closed),
            name=f"summary preparation of pilot {pilot_id}",
        )
    return len(due)


async def _prepare(
    services: Services, preparations: Preparations, pilot_id: int, closed: str
) -> None:
    """Prepare one pilot whose waves up to `closed` (UTC ISO) have reached their closing time."""
    try:
        live = await prepare(services, pilot_id)
    except Exception:
        # Not tried again at every tick (a fault that repeats would cost a pass over the
        # new answers each time): the next wave to close, or a coordinator's request,
        # computes the results, as they did before anything was prepared.
        log.exception("could not prepare a pilot's summary results; left to the next request")
        preparations.prepared[pilot_id] = closed
        return
    finally:
        del preparations.running[pilot_id]
    preparations.prepared[pilot_id] = _prepared_up_to(
        live, closed, preparations.prepared.get(pilot_id, "")
    )


def _prepared_up_to(live: LiveAnalysis, closed: str, before: str) -> str:
    """How far the pilot is prepared now: up to `closed`, unless a wave that reached its
    closing time by then still had an open prompt (not yet ended by the check-ins' tick),
    which the analysis left out: then only up to the last wave seen over before it, so
    that wave is looked at again at a later tick."""
    lingering = [wave.closes_at for wave in live.open_waves if wave.closes_at <= closed]
    if not lingering:
        return closed
    first = min(lingering)
    seen = [wave.closes_at for wave in live.closed_waves if wave.closes_at < first]
    return max([before, *seen])


async def finish_preparations(application: Application) -> None:
    """Wait for the preparations still running (at shutdown, before the database closes).

    Awaited rather than cancelled: a preparation shares its aggregation with any request
    in flight, which would run on after a cancel and write after the database closed.
    """
    running = list(preparations_of(application).running.values())
    if running:
        log.info("waiting for %d summary preparation(s) to finish", len(running))
        await asyncio.gather(*running, return_exceptions=True)
