"""The weekly digest: after each weekly wave closes, coordinators who asked for it get the
response rate, its change since the wave before, and one chart.

The tick finds who is due (`Summaries.digests_due`); the digest is composed and its chart
drawn before the transaction, then stored with the mark that it was sent, in one
transaction: a restart sends each wave's digest once.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.chat.context import BotContext
from bot.chat.render import send_file_in
from bot.features.summaries.summary import signed, summaries_of
from bot.i18n import resolve_language, translator
from bot.rendering import chart
from bot.scheduling import job_transaction
from bot.storage.repositories.summaries import DigestDue, WaveParticipation
from seroi import charts
from seroi.disclosure import may_show
from seroi.i18n import format_share

log = logging.getLogger(__name__)

# The waves the digest's chart shows (the newest closed ones).
CHART_WAVES = 12


async def set_digest(context: BotContext, pilot_id: int, pseudonym: str, wanted: bool) -> None:
    """Turn a coordinator's weekly digest on (from the next wave that closes) or off."""
    services = context.services
    since = services.clock.now().isoformat(timespec="seconds") if wanted else None
    async with services.db.transaction():
        await summaries_of(services).set_digest(pilot_id, pseudonym, since)


async def send_due_digests(context: BotContext, now: datetime, limit: int) -> int:
    """The tick's work: each subscribed coordinator's digest of the latest closed wave."""
    services = context.services
    due = await summaries_of(services).digests_due(now.isoformat(timespec="seconds"), limit)
    for row in due:
        try:
            await _send_digest(context, row, now)
        except Exception:
            # One pilot's broken data must not hold up the others' digests.
            log.exception("could not send a weekly digest; trying again at the next tick")
    return len(due)


async def _send_digest(context: BotContext, row: DigestDue, now: datetime) -> None:
    services = context.services
    lang = resolve_language(row.language, None, services.settings.default_language)
    pilot = await services.pilots.by_id(row.pilot_id)
    waves = [
        wave
        for wave in await summaries_of(services).participation(row.pilot_id)
        if wave.module == "weekly" and wave.period <= row.period
    ][-CHART_WAVES:]
    text = digest_text(pilot.name, waves, lang)
    _ = translator(lang)
    png = await context.renderer.render(
        chart(
            charts.poll_results_png,
            [wave.period for wave in waves],
            [wave.answered for wave in waves],
            lang=lang,
            title=_("Answers per weekly wave"),
        )
    )
    async with job_transaction(context):
        if await summaries_of(services).digest_sent(row.pilot_id, row.pseudonym, row.period):
            await send_file_in(context, row.chat_id, png, filename="digest.png", caption=text)


def digest_text(pilot: str, waves: list[WaveParticipation], lang: str) -> str:
    """The digest's caption: the last closed wave's response rate and its change."""
    _ = translator(lang)
    last = waves[-1]
    lines = [
        _("Weekly digest of {pilot}: week of {day}").format(pilot=pilot, day=last.period),
        _("{answered} of {prompted} members answered").format(
            answered=last.answered, prompted=last.prompted
        ),
    ]
    rate = _rate(last)
    if rate is not None:
        lines[-1] += f" ({format_share(rate, lang, decimals=0)})"
        before = _rate(waves[-2]) if len(waves) >= 2 else None
        if before is not None:
            change = signed(100 * (rate - before), lang, decimals=0)
            lines.append(
                _("Change since the week before: {change} percentage points").format(change=change)
            )
    lines.append(_("/summary shows the whole picture."))
    return "\n".join(lines)


def _rate(wave: WaveParticipation) -> float | None:
    # A rate over fewer than 5 people would read 0 % or 100 % of a handful.
    if not may_show(wave.prompted, sensitive=False):
        return None
    return wave.answered / wave.prompted
