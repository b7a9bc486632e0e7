"""When check-ins open, remind and close, in the member's local time (pure functions).

A weekly wave is about one ISO week (its period is that week's Monday); its prompt goes
out in the following week on the member's day at the start of their time window, and it
closes when that following week ends. A monthly wave (its period is the month's first
day) opens on the member's day in the first seven days of the month and closes 14 days
later. Times are computed in the member's zone, so 08:00 stays 08:00 across
daylight-saving changes; nothing is sent in the quiet hours (21:00–08:00).

Time-zone arithmetic is slow next to the rest of a tick, and a tick asks the same
questions for most of its members (same moment, day, window and zone): the answers
(immutable) are remembered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

Module = Literal["weekly", "monthly"]
MODULES: tuple[Module, ...] = ("weekly", "monthly")
DAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WINDOWS: tuple[str, ...] = ("08-11", "11-14", "14-17", "17-21")
# For members who never chose (joined before the choice was asked): the pilot default.
DEFAULT_DAY, DEFAULT_WINDOW = "mon", "08-11"
QUIET_FROM, QUIET_UNTIL = time(21), time(8)
MONTHLY_OPEN_DAYS = 14
# After the prompt: weekly one reminder (~24 h), monthly two (~24 h and ~72 h).
REMINDERS: dict[Module, tuple[timedelta, ...]] = {
    "weekly": (timedelta(hours=24),),
    "monthly": (timedelta(hours=24), timedelta(hours=72)),
}
EVENING = time(18)
PAUSE_WEEKS: tuple[int, ...] = (2, 4, 8)


@dataclass(frozen=True)
class Wave:
    """One wave for one member: the period it is about, and when it opens and closes (UTC)."""

    module: Module
    period: date
    opens_at: datetime
    closes_at: datetime


@dataclass(frozen=True)
class Choice:
    """A member's check-in day, window and zone."""

    day: str
    window: str
    zone: ZoneInfo

    @property
    def start(self) -> time:
        """When the member's window starts."""
        return time(int(self.window.split("-")[0]))


def _at(day: date, moment: time, zone: ZoneInfo) -> datetime:
    """A local wall-clock time as UTC (a time skipped by DST moves forward with it)."""
    local = datetime.combine(day, moment, tzinfo=zone)
    return local.astimezone(UTC)


def local(moment: datetime, zone: ZoneInfo) -> datetime:
    """A UTC moment in the member's zone."""
    return moment.astimezone(zone)


def weekly_wave(prompt_week_monday: date, choice: Choice) -> Wave:
    """The weekly wave prompted in the week starting `prompt_week_monday`."""
    opens = prompt_week_monday + timedelta(days=DAYS.index(choice.day))
    return Wave(
        "weekly",
        prompt_week_monday - timedelta(days=7),
        _at(opens, choice.start, choice.zone),
        _at(prompt_week_monday + timedelta(days=7), time(0), choice.zone),
    )


def monthly_wave(first_of_month: date, choice: Choice) -> Wave:
    """The monthly wave of the month starting `first_of_month`."""
    offset = (DAYS.index(choice.day) - first_of_month.weekday()) % 7
    opens = first_of_month + timedelta(days=offset)
    return Wave(
        "monthly",
        first_of_month,
        _at(opens, choice.start, choice.zone),
        _at(opens + timedelta(days=MONTHLY_OPEN_DAYS), choice.start, choice.zone),
    )


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


@lru_cache(maxsize=1024)
def current_or_next(module: Module, now: datetime, choice: Choice) -> Wave:
    """The wave open at `now`, else the next one to open."""
    today = local(now, choice.zone).date()
    if module == "weekly":
        monday = today - timedelta(days=today.weekday())
        wave = weekly_wave(monday, choice)
        return wave if now < wave.closes_at else weekly_wave(monday + timedelta(days=7), choice)
    first = today.replace(day=1)
    wave = monthly_wave(first, choice)
    return wave if now < wave.closes_at else monthly_wave(_next_month(first), choice)


@lru_cache(maxsize=1024)
def following(wave: Wave, choice: Choice) -> Wave:
    """The wave after this one."""
    if wave.module == "weekly":
        return weekly_wave(wave.period + timedelta(days=14), choice)
    return monthly_wave(_next_month(wave.period), choice)


@lru_cache(maxsize=1024)
def out_of_quiet_hours(moment: datetime, zone: ZoneInfo) -> datetime:
    """`moment`, or the end of the quiet hours it falls in (08:00 local)."""
    here = local(moment, zone)
    if here.time() >= QUIET_FROM:
        return _at(here.date() + timedelta(days=1), QUIET_UNTIL, zone)
    if here.time() < QUIET_UNTIL:
        return _at(here.date(), QUIET_UNTIL, zone)
    return moment


@lru_cache(maxsize=1024)
def reminder_at(
    module: Module, prompted_at: datetime, sent: int, zone: ZoneInfo
) -> datetime | None:
    """When reminder number `sent + 1` is due, or None when the module has no more."""
    delays = REMINDERS[module]
    if sent >= len(delays):
        return None
    return out_of_quiet_hours(prompted_at + delays[sent], zone)


def snooze_until(kind: str, now: datetime, choice: Choice) -> datetime:
    """When a snoozed prompt comes back: in an hour, this evening or tomorrow."""
    here = local(now, choice.zone)
    if kind == "hour":
        return out_of_quiet_hours(now + timedelta(hours=1), choice.zone)
    if kind == "evening":
        evening = _at(here.date(), EVENING, choice.zone)
        return out_of_quiet_hours(max(evening, now + timedelta(hours=1)), choice.zone)
    return _at(here.date() + timedelta(days=1), choice.start, choice.zone)


def parse_utc(text: str) -> datetime:
    """A stored UTC ISO timestamp."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@lru_cache(maxsize=1024)
def stamp(moment: datetime) -> str:
    """A UTC moment as stored: ISO, sortable as text."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")
