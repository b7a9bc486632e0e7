"""The tick's work for check-ins: prompts, reminders, snoozes coming back, closing edits.

Each due row (a member's module) is decided on from one query's worth of facts; the
prompts to create, messages to send and new due times are then written together in
the tick's transaction. Whatever the downtime before, a member gets at most one
message per row and tick: the current wave's prompt, or one reminder (reminders
whose time passed meanwhile count as sent), never a missed wave's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import aiosqlite

from bot.chat.caller import Caller, of_person
from bot.chat.context import BotContext
from bot.features.checkins import screens, waves
from bot.features.checkins.prompts import answer_rows, known_answers, script_name, speaker
from bot.features.checkins.waves import Choice, parse_utc, stamp
from bot.scheduling import job_transaction
from bot.storage.models import Reply
from bot.storage.repositories.checkins import NewPrompt
from conversations import engine

log = logging.getLogger(__name__)

RETRY_BROKEN = timedelta(hours=1)


@dataclass
class _Batch:
    """What one batch writes, gathered row by row."""

    due: list[tuple[str, int, str, str]] = field(default_factory=list)
    gone: list[tuple[int, str, str]] = field(default_factory=list)
    statuses: list[tuple[str, str | None, int]] = field(default_factory=list)
    reminded: list[tuple[int, int]] = field(default_factory=list)
    answers: list[tuple] = field(default_factory=list)
    new: list[tuple[NewPrompt, aiosqlite.Row]] = field(default_factory=list)


def choice_of(row: aiosqlite.Row, default_zone: str) -> Choice:
    """The member's day, window and zone (the pilot defaults where none was chosen)."""
    return Choice(
        row["checkin_day"] or waves.DEFAULT_DAY,
        row["checkin_window"] or waves.DEFAULT_WINDOW,
        ZoneInfo(row["timezone"] or default_zone),
    )


def _eligible(row: aiosqlite.Row) -> bool:
    return (
        row["status"] == "active"
        and row["processing_stopped_at"] is None
        and row["consented"] == 1
        and row["chat_id"] is not None
        and row["contact_active"] == 1
    )


async def handle_due(context: BotContext, now: datetime, limit: int) -> int:
    """Handle up to `limit` due check-in rows in one transaction; how many there were."""
    services = context.services
    async with job_transaction(context):
        rows = await services.checkins.due(stamp(now), limit)
        batch = _Batch()
        for row in rows:
            try:
                await _decide(context, row, now, batch)
            except Exception:
                # One broken row (a damaged state, say) must not hold up every later one.
                log.exception("could not decide on a due check-in; looking again later")
                later = stamp(now + RETRY_BROKEN)
                batch.due.append((later, row["pilot_id"], row["pseudonym"], row["module"]))
        await _apply(context, batch, now)
    return len(rows)


async def _decide(context: BotContext, row: aiosqlite.Row, now: datetime, batch: _Batch) -> None:
    """One member's module: what to send and when to look again."""
    settings = context.services.settings
    key = (row["pilot_id"], row["pseudonym"], row["module"])
    prompt_open = row["prompt_status"] == "open"
    if not _eligible(row):
        if prompt_open:
            blocked = row["chat_id"] is None or row["contact_active"] != 1
            await _end(context, row, "blocked" if blocked else "stopped", batch, now)
        batch.gone.append(key)
        return
    choice = choice_of(row, settings.timezone)
    paused = row["paused_until"] and parse_utc(row["paused_until"]) > now
    if prompt_open:
        closes = parse_utc(row["closes_at"])
        if now >= closes or paused:
            await _end(context, row, "stopped" if paused and now < closes else "closed", batch, now)
        else:
            await _remind_or_wait(context, row, now, choice, closes, batch)
            return
    if paused:
        batch.due.append((row["paused_until"], *key))
        return
    wave = waves.current_or_next(row["module"], now, choice)
    if row["period"] == wave.period.isoformat():
        wave = waves.following(wave, choice)
    if now < wave.opens_at:
        batch.due.append((stamp(waves.out_of_quiet_hours(wave.opens_at, choice.zone)), *key))
        return
    quiet_end = waves.out_of_quiet_hours(now, choice.zone)
    if quiet_end > now:
        batch.due.append((stamp(quiet_end), *key))
        return
    if row["checkin_day"] is None and await _asked_for_schedule(context, row):
        # Once per wave: their pending questions (the day among them) are shown instead.
        batch.due.append((stamp(waves.following(wave, choice).opens_at), *key))
        return
    name = script_name(row["module"], row["wellbeing_module"])
    step = screens.started(
        name, tuple(known_answers(row["module"], wave.period, row["distance_band"]).items())
    )
    new = NewPrompt(
        row["pilot_id"],
        row["pseudonym"],
        row["module"],
        wave.period.isoformat(),
        name,
        engine.serialise(step.state),
        stamp(now),
        stamp(wave.closes_at),
    )
    batch.new.append((new, row))
    batch.due.append((stamp(_next_look(row["module"], now, 0, choice.zone, wave.closes_at)), *key))


def _next_look(
    module: str, prompted: datetime, sent: int, zone: ZoneInfo, closes: datetime
) -> datetime:
    """The next reminder if it comes before the close, else the close."""
    reminder = waves.reminder_at(module, prompted, sent, zone)
    return reminder if reminder is not None and reminder < closes else closes


async def _remind_or_wait(
    context: BotContext,
    row: aiosqlite.Row,
    now: datetime,
    choice: Choice,
    closes: datetime,
    batch: _Batch,
) -> None:
    """An open prompt: show it again if its snooze or reminder time came, else wait."""
    key = (row["pilot_id"], row["pseudonym"], row["module"])
    prompted = parse_utc(row["prompted_at"])
    sent = row["reminders"]
    snoozed = parse_utc(row["snoozed_until"]) if row["snoozed_until"] else None
    reminder = waves.reminder_at(row["module"], prompted, sent, choice.zone)
    if snoozed is not None and snoozed > now:
        batch.due.append((stamp(min(snoozed, closes)), *key))
        return
    reminder_due = snoozed is None and reminder is not None and reminder <= now
    if snoozed is not None or reminder_due:
        if reminder_due:
            # Coalesced: every reminder whose time has passed counts as this one.
            while (
                later := waves.reminder_at(row["module"], prompted, sent, choice.zone)
            ) and later <= now:
                sent += 1
        before = _speaker_of(context, row)._("A reminder: your check-in is still open.")
        await _show_again(context, row, before if reminder_due else None)
        batch.reminded.append((sent, row["prompt_id"]))
    batch.due.append((stamp(_next_look(row["module"], prompted, sent, choice.zone, closes)), *key))


async def _show_again(context: BotContext, row: aiosqlite.Row, before: str | None) -> None:
    """The current question as a new message; the old one loses its buttons."""
    caller = _speaker_of(context, row)
    if row["message_id"] is not None:
        await _edit(context, row, caller._("This check-in continues below."))
    await context.outbox.post(
        Reply(
            chat_id=row["chat_id"],
            kind="send",
            params=screens.question_message(
                caller, row["prompt_id"], row["script"], row["state"], before
            ),
            on_sent=f"checkin:{row['prompt_id']}",
        )
    )


def _speaker_of(context: BotContext, row: aiosqlite.Row) -> Caller:
    return speaker(
        row["chat_id"],
        row["pseudonym"],
        row["language"] or context.services.settings.default_language,
    )


async def _edit(context: BotContext, row: aiosqlite.Row, text: str) -> None:
    """Turn the message showing a prompt into `text`, without buttons."""
    params = {"text": text, "message_id": row["message_id"]}
    await context.outbox.post(Reply(chat_id=row["chat_id"], kind="edit", params=params))


async def _end(
    context: BotContext, row: aiosqlite.Row, status: str, batch: _Batch, now: datetime
) -> None:
    """Close an open prompt: keep what was answered, and edit its message to say so."""
    script = screens.script_of(row["script"])
    state = screens.resumed(row["script"], row["state"]).state
    batch.answers += answer_rows(
        row["pilot_id"], row["pseudonym"], row["module"], row["period"], script, state, stamp(now)
    )
    batch.statuses.append((status, None, row["prompt_id"]))
    if status != "blocked" and row["message_id"] is not None:
        await _edit(context, row, _speaker_of(context, row)._("This check-in has closed."))


async def _asked_for_schedule(context: BotContext, row: aiosqlite.Row) -> bool:
    """Show a member without a check-in day their pending questions; False if none."""
    caller = await of_person(context.services, row["pseudonym"], row["chat_id"])
    return await context.reprompt(caller)


async def _apply(context: BotContext, batch: _Batch, now: datetime) -> None:
    """Write the batch and say what it sends (stored with it by the job transaction)."""
    checkins = context.services.checkins
    ids = await checkins.create_prompts([new for new, _row in batch.new])
    for prompt_id, (new, row) in zip(ids, batch.new, strict=True):
        caller = _speaker_of(context, row)
        await context.outbox.post(
            Reply(
                chat_id=row["chat_id"],
                kind="send",
                params=screens.question_message(caller, prompt_id, new.script, new.state),
                on_sent=f"checkin:{prompt_id}",
            )
        )
    await checkins.store_answers(batch.answers)
    await checkins.set_status(batch.statuses)
    await checkins.reminded(batch.reminded)
    await checkins.reschedule(batch.due)
    await checkins.unschedule(batch.gone)
