"""The demo's check-ins: eight weekly and two monthly waves on a compressed clock.

After the tour's residents have joined, the bot's clock (injected, never slept on) runs
from Monday 30 November 2026 to 25 January 2027 in steps of a few hours; at each step
the scheduler's tick runs and the residents do what people do with check-ins: answer at
once, answer late after the reminder, skip items, snooze, pause, withdraw the wellbeing
consent, block the bot, or forget. Afterwards: the response rate per wave, the
observations CSV and a SEROI+ report from it in the output folder.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from telegram.ext import Application

from bot.app import DUE_WORK
from bot.chat.context import BotContext
from bot.demo.participants import Participant
from bot.features.checkins.export import observations_csv
from bot.scheduling import ManualClock, run_due
from bot.services import services_of
from conversations.scripts import shipped

ZONE = ZoneInfo("Europe/Helsinki")
START = datetime(2026, 11, 30, 7, 0, tzinfo=ZONE)
END = datetime(2027, 1, 25, 0, 30, tzinfo=ZONE)
STEP = timedelta(hours=4)
SCRIPTS = {name: shipped(name) for name in ("work_travel", "ons4")}


@dataclass
class Habit:
    """How one resident treats check-ins."""

    answers: Callable[[random.Random], dict[str, object]]
    # Chance of answering when a prompt or reminder shows; otherwise it waits.
    eagerness: float = 0.9


def _weekly(days: int, home: int, hub: int, mode: str, band: str) -> Callable:
    def pick(rng: random.Random) -> dict[str, object]:
        worked = max(0, min(7, days + rng.choice((-1, 0, 0, 1))))
        at_home = min(home, worked)
        return {
            "work_days": worked,
            "home_days": at_home,
            "hub_days": min(hub, worked - at_home),
            "commute_mode": mode,
            "distance_band": band,
        }

    return pick


def _skipping(pick: Callable, *items: str) -> Callable:
    return lambda rng: {**pick(rng), **dict.fromkeys(items)}


def _wellbeing(level: int) -> Callable:
    def pick(rng: random.Random) -> dict[str, object]:
        return {
            "ons_life_satisfaction": max(0, min(10, level + rng.choice((-1, 0, 1)))),
            "ons_worthwhile": level,
            "ons_happy": max(0, level - 1),
            "ons_anxious": rng.choice((1, 2, 3)),
        }

    return pick


HABITS = {
    "Aino": Habit(_weekly(4, 2, 0, "car_driver", "15_29")),
    "Mikko": Habit(_weekly(5, 5, 0, "car_driver", "5_14")),
    "Elina": Habit(_weekly(4, 1, 1, "bus", "30_49"), eagerness=0.5),
    "Siobhan": Habit(_skipping(_weekly(3, 2, 0, "train", "50_99"), "hub_days")),
    "Marco": Habit(_weekly(5, 1, 2, "car_passenger", "15_29"), eagerness=0.4),
    "Pekka": Habit(_weekly(5, 0, 1, "car_driver", "30_49")),
    "Liisa": Habit(_weekly(4, 3, 0, "bicycle", "lt5"), eagerness=0.6),
    "Ville": Habit(_weekly(2, 0, 0, "walking", "lt5")),
    "Matteo": Habit(_weekly(5, 2, 1, "car_driver", "100plus")),
    "Kaisa": Habit(_weekly(5, 1, 0, "car_driver", "15_29"), eagerness=0.7),
}
WELLBEING = {"Aino": 7, "Siobhan": 8, "Pekka": 6, "Sara": 7, "Matteo": 8}


def _question_of(message: dict, script_name: str, language: str) -> str | None:
    script = SCRIPTS[script_name]
    text = message.get("text", "")
    return next((q.id for q in script.questions if q.text[language] in text), None)


async def answer_open(person: Participant, language: str, answers: dict[str, object]) -> bool:
    """Answer the check-in on screen to its end (None skips); False if none is open."""
    for tap in range(12):
        try:
            message, _button = person.find_button("ck")
        except LookupError:
            return tap > 0
        script = (
            "ons4" if message["text"].startswith(SCRIPTS["ons4"].title[language]) else "work_travel"
        )
        question = _question_of(message, script, language)
        value = answers.get(question)
        if value is None:
            await person.press("cks")
        else:
            await person.press("ck", str(value))
    return True


class CheckinDemo:
    """Plays the waves and keeps what happened."""

    def __init__(
        self,
        application: Application,
        clock: ManualClock,
        cast: list[Participant],
        languages: dict[str, str],
    ) -> None:
        self.application = application
        self.services = services_of(application)
        self.clock = clock
        self.people = {person.name: person for person in cast}
        self.rng = random.Random(2026)
        self.events: list[str] = []
        self.languages = languages

    async def tick(self) -> None:
        await run_due(BotContext(self.application), DUE_WORK)
        await self._settled()

    async def _settled(self) -> None:
        outbox = self.application.bot_data["outbox"]
        sandbox = next(iter(self.people.values())).sandbox
        await sandbox.wait_for_async(lambda: not sandbox.pending_updates() and outbox.idle, 20)

    def note(self, text: str) -> None:
        when = self.clock.now().astimezone(ZONE).strftime("%a %d %b %H:%M")
        self.events.append(f"{when}  {text}")
        print(f"    [{when}] {text}")

    async def setup(self) -> None:
        """The pilot asks ONS4 monthly; two residents choose other check-in times."""
        pilot = await self.services.pilots.by_slug("laitila")
        async with self.services.db.transaction():
            await self.services.checkins.configure_pilot(pilot.id, "ons4", None)
        await self.people["Elina"].command("schedule", "wed 17-21")
        await self.people["Marco"].command("schedule", "fri 11:00 Europe/Rome")
        self.note("Elina moves her check-ins to Wednesdays 17–21, Marco to Fridays 11–14 (Rome)")

    def language(self, person: Participant) -> str:
        return self.languages.get(person.name, "fi")

    async def act(self, name: str, week: int) -> None:
        """What one resident does with what is on their screen now."""
        person = self.people.get(name)
        if person is None or person.user.blocked_bot:
            return
        language = self.language(person)
        try:
            message, _button = person.find_button("ck")
        except LookupError:
            return
        monthly = message["text"].startswith(SCRIPTS["ons4"].title[language])
        if monthly:
            level = WELLBEING.get(name)
            if level is not None:
                answers = _wellbeing(level)(self.rng)
                if name == "Siobhan":
                    answers["ons_anxious"] = None  # prefer not to say
                if await answer_open(person, language, answers):
                    self.note(f"{name} answers the monthly wellbeing check-in")
            return
        if name == "Mikko" and week == 2 and not self._did("Mikko snoozes"):
            await person.press("ckl")
            await person.press("ckz", "hour")
            self.note("Mikko snoozes his check-in for an hour")
            return
        if name == "Marco" and week == 3 and not self._did("Marco snoozes"):
            await person.press("ckl")
            await person.press("ckz", "evening")
            self.note("Marco snoozes his check-in to this evening")
            return
        if name == "Pekka" and week == 3 and not self._did("Pekka pauses"):
            await person.press("ckl")
            await person.press("ckp", "2")
            self.note("Pekka pauses his check-ins for 2 weeks")
            return
        if name == "Ville" and week == 4 and not self._did("Ville blocks"):
            person.sandbox.block_bot(person.user)
            self.note("Ville blocks the bot")
            return
        if name == "Liisa" and week in (2, 6):
            return  # forgets this week
        if self.rng.random() > HABITS[name].eagerness:
            return  # later, perhaps after the reminder
        if await answer_open(person, language, HABITS[name].answers(self.rng)):
            self.note(f"{name} answers the weekly check-in")

    def _did(self, what: str) -> bool:
        return any(what in event for event in self.events)

    async def withdraw_wellbeing(self, name: str) -> None:
        person = self.people[name]
        await person.command("privacy")
        await person.press("rechoose")
        await person.press("consent", "wellbeing")
        await person.press("consented")
        self.note(f"{name} withdraws the wellbeing consent (/privacy)")

    async def run(self) -> None:
        self.clock.set(START)
        await self.setup()
        withdrawn = False
        while self.clock.now() < END:
            await self.tick()
            week = (self.clock.now() - START).days // 7 + 1
            await asyncio.gather(*(self.act(name, week) for name in self.people))
            await self._settled()
            if not withdrawn and self.clock.now() > datetime(2026, 12, 22, tzinfo=ZONE):
                await self.withdraw_wellbeing("Matteo")
                withdrawn = True
            self.clock.advance(STEP)
        await self.tick()

    async def rates(self) -> list[str]:
        """The response rate of each wave: answered of prompted, and blocks."""
        pilot = await self.services.pilots.by_slug("laitila")
        lines = []
        for module in ("weekly", "monthly"):
            for row in await self.services.checkins.wave_counts(pilot.id, module):
                share = row["answered"] / row["prompted"] if row["prompted"] else 0.0
                lines.append(
                    f"{module:7} wave about {row['period']}: {row['answered']}/{row['prompted']} "
                    f"answered ({share:.0%}), {row['blocked']} blocked"
                )
        return lines

    async def export(self, out: Path) -> Path:
        text, count = await observations_csv(self.services, "laitila")
        path = out / "observations.csv"
        path.write_text(text, encoding="utf-8")
        self.note(f"{count} observations exported to {path}")
        return path


async def play_checkins(
    application: Application,
    clock: ManualClock,
    cast: list[Participant],
    languages: dict[str, str],
    tour: object,
    out: Path,
) -> Path | None:
    """The check-in part of the tour, as tour steps; the observations file it wrote."""
    demo = CheckinDemo(application, clock, cast, languages)
    exported: list[Path] = []

    async def waves() -> str:
        await demo.run()
        return f"{len(demo.events)} things residents did, 30 Nov 2026 – 24 Jan 2027"

    async def rates() -> str:
        lines = await demo.rates()
        weekly = [line for line in lines if line.startswith("weekly")]
        monthly = [line for line in lines if line.startswith("monthly")]
        if len(weekly) != 8 or len(monthly) != 2:
            raise AssertionError(f"expected 8 weekly and 2 monthly waves: {lines}")
        (out / "response_rates.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return "\n      " + "\n      ".join(lines)

    async def export() -> str:
        exported.append(await demo.export(out))
        return str(exported[0])

    await tour.step("eight weekly and two monthly check-in waves", waves)
    await tour.step("response rate per wave", rates)
    await tour.step("observations exported for the SEROI+ report", export)
    return exported[0] if exported else None
