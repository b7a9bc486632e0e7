"""Check-in use cases for a member: answer, skip, go back, snooze, pause, /checkin, /schedule."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import aiosqlite

from bot.chat.caller import Caller
from bot.features.checkins import screens, waves
from bot.features.checkins.prompts import (
    CONSENT_OF_MODULE,
    answer_rows,
    known_answers,
    script_name,
)
from bot.features.checkins.waves import Choice, parse_utc, stamp
from bot.services import Services
from bot.storage.repositories.checkins import NewPrompt
from conversations import engine
from conversations.engine import Problem, ProblemCode, Step
from conversations.script import Script


@dataclass(frozen=True)
class Closed:
    """The check-in has closed (or stopped): nothing was stored."""


@dataclass(frozen=True)
class Shown:
    """The prompt's current question (after an answer, or unchanged with a problem)."""

    prompt_id: int
    script: Script
    step: Step
    problem: Problem | None = None


@dataclass(frozen=True)
class Finished:
    """The last answer came in; the member's own trend over their last waves."""

    script: Script
    trend: list[tuple[str, str | None]]
    support: str | None


@dataclass(frozen=True)
class Snoozed:
    """Shown again at `until`; or refused because the check-in closes first."""

    until: datetime
    closes_at: datetime
    refused: bool


@dataclass(frozen=True)
class Nothing:
    """No check-in is open: when the next one opens (None without a check-in consent)."""

    next_opens: datetime | None


async def _choice(services: Services, pilot_id: int, pseudonym: str) -> Choice:
    member = await services.members.get(pilot_id, pseudonym)
    own = await services.checkins.settings(pilot_id, pseudonym)
    return Choice(
        (member.checkin_day if member else None) or waves.DEFAULT_DAY,
        (member.checkin_window if member else None) or waves.DEFAULT_WINDOW,
        ZoneInfo((own["timezone"] if own else None) or services.settings.timezone),
    )


def _answerable(prompt: aiosqlite.Row, now: datetime) -> bool:
    """Open, not past its close, and the member still active with the consent it needs."""
    return (
        prompt["status"] == "open"
        and now < parse_utc(prompt["closes_at"])
        and prompt["member_status"] == "active"
        and prompt["processing_stopped_at"] is None
        and prompt["consented"] == 1
    )


async def _own_prompt(services: Services, caller: Caller, prompt_id: int) -> aiosqlite.Row | None:
    prompt = await services.checkins.answerable(prompt_id)
    return prompt if prompt is not None and prompt["pseudonym"] == caller.pseudonym else None


async def press(
    services: Services,
    caller: Caller,
    prompt_id: int,
    action: str,
    at: int,
    value: str,
    message_id: int,
    update_id: int,
) -> Shown | Finished | Closed | None:
    """An answer, skip or Back on a check-in; None when the prompt is not this person's.

    Read first, outside the write lock (presses of many chats at once); the write then
    applies only if the prompt is still as read, so a close in between wins.
    """
    now = services.clock.now()
    prompt = await _own_prompt(services, caller, prompt_id)
    if prompt is None:
        return None
    if not _answerable(prompt, now):
        return Closed()
    script = screens.script_of(prompt["script"])
    step = screens.resumed(prompt["script"], prompt["state"])
    if screens.position_of(script, step) != at:
        # A double tap, or a button of a question answered since.
        return Shown(prompt_id, script, step, Problem(ProblemCode.NOT_CURRENT))
    moved = screens.moved(prompt["script"], prompt["state"], action, step.question.id, value)
    if moved.problem is not None:
        return Shown(prompt_id, script, step, moved.problem)
    state = engine.serialise(moved.state)
    if not moved.finished:
        # The prompt's new state is all there is to store: one trip to the database.
        if not await services.checkins.advance_alone(
            prompt_id, prompt["state"], state, message_id, update_id
        ):
            return Closed()
        return Shown(prompt_id, script, moved)
    async with services.db.transaction(update_id):
        if not await services.checkins.advance(prompt_id, prompt["state"], state, message_id):
            return Closed()
        await _finish(services, prompt, script, moved, now)
    return await _finished(services, prompt, script)


async def _finish(
    services: Services, prompt: aiosqlite.Row, script: Script, step: Step, now: datetime
) -> None:
    """Store every item (the last answer in a wave wins) and plan the next wave.

    No statement needs another's result: queued together (in this order), they cost the
    write lock one wait for the database instead of one each.
    """
    checkins = services.checkins
    pilot_id, pseudonym = prompt["pilot_id"], prompt["pseudonym"]
    rows = answer_rows(
        pilot_id, pseudonym, prompt["module"], prompt["period"], script, step.state, stamp(now)
    )
    writes = [
        checkins.store_answers(rows),
        checkins.set_status([("answered", stamp(now), prompt["id"])]),
    ]
    band = step.results.answers.get("distance_band") if step.results else None
    if band is not None and "distance_band" not in step.state.given:
        writes.append(checkins.set_distance_band(pilot_id, pseudonym, str(band)))
    writes.append(checkins.replan(pilot_id, pseudonym))
    await asyncio.gather(*writes)


async def _finished(services: Services, prompt: aiosqlite.Row, script: Script) -> Finished:
    """The member's trend with the answers just committed (read after the write lock)."""
    checkins = services.checkins
    pilot_id, pseudonym = prompt["pilot_id"], prompt["pseudonym"]
    item, _top = screens.TREND_ITEM[script.id]
    trend = await checkins.trend(pilot_id, pseudonym, prompt["module"], item, screens.TREND_WAVES)
    support = None
    if prompt["module"] == "monthly":
        support = (await checkins.pilot_setup(pilot_id))["support_pointer"]
    return Finished(script, trend, support)


async def current(services: Services, caller: Caller, prompt_id: int) -> Shown | Closed | None:
    """The prompt's current question as it stands (Back from the Later menu)."""
    prompt = await _own_prompt(services, caller, prompt_id)
    if prompt is None:
        return None
    if not _answerable(prompt, services.clock.now()):
        return Closed()
    script = screens.script_of(prompt["script"])
    return Shown(prompt_id, script, screens.resumed(prompt["script"], prompt["state"]))


async def snooze(
    services: Services, caller: Caller, prompt_id: int, kind: str, update_id: int
) -> Snoozed | Closed | None:
    """Show the prompt again later, unless the check-in closes first."""
    now = services.clock.now()
    async with services.db.transaction(update_id):
        prompt = await _own_prompt(services, caller, prompt_id)
        if prompt is None:
            return None
        if not _answerable(prompt, now):
            return Closed()
        choice = await _choice(services, prompt["pilot_id"], prompt["pseudonym"])
        until = waves.snooze_until(kind, now, choice)
        closes = parse_utc(prompt["closes_at"])
        if until >= closes:
            return Snoozed(until, closes, refused=True)
        await services.checkins.snooze(prompt_id, stamp(until))
        await services.checkins.reschedule(
            [(stamp(until), prompt["pilot_id"], prompt["pseudonym"], prompt["module"])]
        )
        return Snoozed(until, closes, refused=False)


async def pause(
    services: Services, caller: Caller, weeks: int, prompt_id: int | None, update_id: int
) -> datetime | None:
    """Pause check-ins for some weeks (what an open one collected is kept); until when."""
    now = services.clock.now()
    member = caller.member
    async with services.db.transaction(update_id):
        prompt = await _own_prompt(services, caller, prompt_id) if prompt_id else None
        pilot_id = prompt["pilot_id"] if prompt else member.pilot_id if member else None
        if pilot_id is None:
            return None
        until = now + timedelta(weeks=weeks)
        await services.checkins.set_pause(pilot_id, caller.pseudonym, stamp(until))
        if prompt is not None and prompt["status"] == "open":
            # This prompt's message says it is paused; what it collected is kept.
            script = screens.script_of(prompt["script"])
            state = screens.resumed(prompt["script"], prompt["state"]).state
            await services.checkins.store_answers(
                answer_rows(
                    pilot_id,
                    caller.pseudonym,
                    prompt["module"],
                    prompt["period"],
                    script,
                    state,
                    stamp(now),
                )
            )
            await services.checkins.set_status([("stopped", None, prompt["id"])])
        # The tick ends any other open prompt and waits for `until`.
        await services.checkins.replan(pilot_id, caller.pseudonym)
        return until


async def resume_checkins(services: Services, caller: Caller, update_id: int) -> None:
    """End a pause now."""
    async with services.db.transaction(update_id):
        await services.checkins.set_pause(caller.member.pilot_id, caller.pseudonym, None)
        await services.checkins.replan(caller.member.pilot_id, caller.pseudonym)


async def checkin_now(services: Services, caller: Caller, update_id: int) -> Shown | Nothing:
    """/checkin: the open check-in's current question, opening this week's if due."""
    now = services.clock.now()
    member = caller.member
    async with services.db.transaction(update_id):
        granted = await services.consents.granted(member.pilot_id, caller.pseudonym)
        modules = [m for m in waves.MODULES if CONSENT_OF_MODULE[m] in granted]
        if not modules:
            return Nothing(None)
        choice = await _choice(services, member.pilot_id, caller.pseudonym)
        prompt = await services.checkins.open_prompt(member.pilot_id, caller.pseudonym)
        if prompt is not None and now < parse_utc(prompt["closes_at"]):
            script = screens.script_of(prompt["script"])
            return Shown(prompt["id"], script, screens.resumed(prompt["script"], prompt["state"]))
        for module in modules:
            shown = await _open_early(services, caller, module, choice, now)
            if shown is not None:
                return shown
        return Nothing(min(_next_open(module, now, choice) for module in modules))


def _answerable_from(wave: waves.Wave, choice: Choice) -> datetime:
    """A wave can be answered on request from the start of its prompt week (or month)."""
    first = wave.period + timedelta(days=7) if wave.module == "weekly" else wave.period
    return datetime.combine(first, time(0), tzinfo=choice.zone)


def _next_open(module: str, now: datetime, choice: Choice) -> datetime:
    """When the next wave not yet open is prompted."""
    wave = waves.current_or_next(module, now, choice)
    return wave.opens_at if now < wave.opens_at else waves.following(wave, choice).opens_at


async def _open_early(
    services: Services, caller: Caller, module: str, choice: Choice, now: datetime
) -> Shown | None:
    """Open the member's prompt of the current wave now, if it is answerable and not asked."""
    wave = waves.current_or_next(module, now, choice)
    if now < _answerable_from(wave, choice):
        return None
    member = caller.member
    checkins = services.checkins
    row = await checkins.due_of(member.pilot_id, caller.pseudonym, module)
    name = script_name(module, (await checkins.pilot_setup(member.pilot_id))["wellbeing_module"])
    script = screens.script_of(name)
    step = screens.started(
        name, tuple(known_answers(module, wave.period, member.distance_band).items())
    )
    if row is not None and row["period"] == wave.period.isoformat():
        if row["prompt_status"] != "answered":
            return None  # closed or stopped
        # Answering again replaces the answers (the last answer in a wave wins).
        await checkins.reopen(row["prompt_id"], engine.serialise(step.state))
        return Shown(row["prompt_id"], script, step)
    [prompt_id] = await checkins.create_prompts(
        [
            NewPrompt(
                member.pilot_id,
                caller.pseudonym,
                module,
                wave.period.isoformat(),
                name,
                engine.serialise(step.state),
                stamp(now),
                stamp(wave.closes_at),
            )
        ]
    )
    await checkins.replan(member.pilot_id, caller.pseudonym)
    return Shown(prompt_id, script, step)


@dataclass(frozen=True)
class Schedule:
    """When a member's check-ins come, and whether they are paused."""

    day: str
    window: str
    zone: str
    paused_until: datetime | None


async def zone_of(services: Services, pilot_id: int, pseudonym: str) -> ZoneInfo:
    """The member's time zone for check-ins."""
    return (await _choice(services, pilot_id, pseudonym)).zone


async def schedule_of(services: Services, caller: Caller) -> Schedule:
    """The caller's check-in day, window, zone and pause in their current pilot."""
    pilot_id = caller.member.pilot_id
    choice = await _choice(services, pilot_id, caller.pseudonym)
    own = await services.checkins.settings(pilot_id, caller.pseudonym)
    paused = own["paused_until"] if own else None
    until = parse_utc(paused) if paused else None
    if until is not None and until <= services.clock.now():
        until = None
    return Schedule(choice.day, choice.window, str(choice.zone), until)


async def set_schedule(
    services: Services,
    caller: Caller,
    day: str | None,
    window: str | None,
    zone: str | None,
    update_id: int,
) -> None:
    """Change the day, window or zone (None keeps it); the next waves follow at once."""
    pilot_id = caller.member.pilot_id
    current = await _choice(services, pilot_id, caller.pseudonym)
    async with services.db.transaction(update_id):
        # Keep what the member has not changed as it was (the defaults become choices).
        await services.checkins.set_day_and_window(
            pilot_id, caller.pseudonym, day or current.day, window or current.window
        )
        if zone is not None:
            await services.checkins.set_timezone(pilot_id, caller.pseudonym, zone)
        await services.checkins.replan(pilot_id, caller.pseudonym)
