"""Onboarding throughput of seroi-bot against a minimal PTB echo bot, both in-process.

    .venv/bin/python bench/throughput.py [--members N] [--rounds N] [--tracemalloc]

N simulated members (default 1,000) each go through the whole onboarding: /start with an
invite, language, privacy notice, one or two consent toggles, confirm, stakeholder group
(6.5 updates a member on average). The traffic comes in waves: every member's next step is
queued at once, then the bot works through the backlog, so this measures throughput rather
than round-trip latency. The baseline is a python-telegram-bot echo bot fed as many text
messages in waves of the same sizes, through its own sandbox. A third bot shows the
ceiling for any bot that onboards with inline buttons: the same waves, but it only answers
each press and edits the prompt into the next one (the two Bot API calls seroi-bot makes),
storing and checking nothing. Rounds alternate the three bots; the figures are medians
(target: seroi-bot ≥ 0.5 × the button bot in updates per second; the echo bot is shown
for scale).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import platform
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import NamedTuple

import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.demo.participants import Participant, invite_code, running_bot
from bot.features.admin.pilots import MAX_USES
from bot.settings import LANGUAGES, Settings
from bot.storage.models import CONSENT_PURPOSES, STAKEHOLDER_GROUPS
from sandbox.core import Sandbox
from sandbox.ptb import SandboxRequest

# The sandbox accepts any well-formed token; this one is not a secret.
TOKEN = "7000000003:offline-sandbox-bench-token-not-a-secret"
PSEUDONYM_KEY = "bench-pseudonym-key-not-a-secret"
TARGET = 0.5
BOTS = {
    "echo": "PTB echo bot",
    "buttons": "PTB button bot",
    "seroi": "seroi-bot onboarding",
}
# The button bot's prompt and keyboard are about the size of seroi-bot's.
BUTTON_PROMPT = "Step {step}: which of these describes you best? Tap one to go on."
BUTTON_CHOICES = 5

Check = Callable[[], bool]


class Step(NamedTuple):
    """One update a member sends: `/start <invite>`, or a press of an onboarding button."""

    action: str
    argument: str | None = None
    # Messages the bot sends or edits in reply: a pressed prompt is edited into the next one.
    replies: int = 1


@dataclass
class Tally:
    """Updates handled and the seconds the bot took for them."""

    updates: int = 0
    seconds: float = 0.0

    def add(self, other: Tally) -> None:
        """Count another wave in."""
        self.updates += other.updates
        self.seconds += other.seconds

    @property
    def rate(self) -> float:
        """Updates per second."""
        return self.updates / self.seconds


def onboarding(index: int) -> list[Step]:
    """Member `index`'s onboarding; languages, consents and groups vary across members."""
    consents = [CONSENT_PURPOSES[(index + k) % len(CONSENT_PURPOSES)] for k in range(1 + index % 2)]
    return [
        Step("start", replies=1),
        Step("lang", LANGUAGES[index % len(LANGUAGES)]),
        Step("notice"),
        *[Step("consent", purpose) for purpose in consents],
        Step("consented", replies=1),  # the record of the choices, then the group question
        Step("group", STAKEHOLDER_GROUPS[index % len(STAKEHOLDER_GROUPS)]),
        # Then the distance (with check-ins) and, with any check-ins, the day and window.
        *([Step("distance_band", "15_29")] if "checkins" in consents else []),
        *(
            [Step("checkin_day", ("mon", "wed", "fri")[index % 3]), Step("checkin_window", "17-21")]
            if {"checkins", "wellbeing"} & set(consents)
            else []
        ),
    ]


def wave_sizes(members: int) -> list[int]:
    """How many members take their k-th step in wave k (the echo bot gets the same waves)."""
    lengths = [len(onboarding(index)) for index in range(members)]
    return [sum(length > wave for length in lengths) for wave in range(max(lengths))]


class Replies:
    """How many messages the bot has sent or edited for each person (by first name).

    Cheap (a counter per message) where `bot_messages()` deep-copies a whole chat, which,
    polled under the sandbox's lock while a wave is timed, would slow down both bots.
    """

    SENT, EDITED = "bot → ", "bot ✎ "

    def __init__(self, sandbox: Sandbox) -> None:
        self.counts: Counter[str] = Counter()
        sandbox.on_transcript(self._count)

    def _count(self, line: str) -> None:
        # "bot → <first name>: <message>" and "bot ✎ <first name> #<message id>: <message>".
        if line.startswith(self.SENT):
            self.counts[line[len(self.SENT) :].partition(": ")[0]] += 1
        elif line.startswith(self.EDITED):
            self.counts[line[len(self.EDITED) :].partition(" #")[0]] += 1

    def awaited(self, person: Participant, replies: int) -> Check:
        """A check that passes once `person` has `replies` more messages (or edits) than now."""
        wanted = self.counts[person.name] + replies
        return lambda: self.counts[person.name] >= wanted


def all_done(checks: list[Check]) -> Check:
    """True once every check passes; never re-runs a passed one, as it runs under the lock."""
    position = 0

    def done() -> bool:
        """Whether the bot has handled the whole wave."""
        nonlocal position
        while position < len(checks) and checks[position]():
            position += 1
        return position == len(checks)

    return done


async def timed_wave(sandbox: Sandbox, queue: Callable[[], list[Check]]) -> Tally:
    """Queue a wave (untimed: that is the simulated clients' work), time until all are handled."""
    checks = queue()
    started = time.perf_counter()
    # Generous: a stall shows up as WaitTimeout with the sandbox's recent calls, not a hang.
    await sandbox.wait_for_async(all_done(checks), 60.0 + 0.05 * len(checks))
    return Tally(len(checks), time.perf_counter() - started)


def take(person: Participant, step: Step, code: str, replies: Replies) -> Check:
    """Send a member's step to the bot; the check passes when the bot has fully answered it."""
    sandbox = person.sandbox
    sent = replies.awaited(person, step.replies)
    if step.action == "start":
        sandbox.command(person.user, "start", code)
        return sent
    message, button = person.find_button(step.action, step.argument)
    query = sandbox.press_button(person.user, message, button["callback_data"])
    # seroi-bot answers a press before its reply is sent: wait for both.
    return lambda: bool(sandbox.callback_answer(query["id"])["answered"]) and sent()


def check_database(path: Path, members: int) -> None:
    """Fail loudly unless every member finished onboarding with exactly their consents."""
    connection = sqlite3.connect(path)
    try:
        active = connection.execute("SELECT COUNT(*) FROM members WHERE status = 'active'")
        consents = connection.execute("SELECT COUNT(*), SUM(granted) FROM consents")
        found = (active.fetchone()[0], *consents.fetchone())
    finally:
        connection.close()
    # Each consent toggle in the plan grants one purpose (no member toggles one twice).
    granted = sum(
        step.action == "consent" for index in range(members) for step in onboarding(index)
    )
    wanted = (members, len(CONSENT_PURPOSES) * members, granted)
    if found != wanted:
        raise SystemExit(
            f"seroi-bot did not onboard everyone: (active members, consent rows, granted) = "
            f"{found}, expected {wanted}; its throughput would mean nothing"
        )


async def seroi_round(members: int, folder: Path) -> Tally:
    """The real bot onboards `members` people in waves; the database is checked afterwards."""
    sandbox = Sandbox(token=TOKEN, bot_username="seroi_bench_bot")
    bot_db = folder / "seroi.db"
    admin = Participant.create(sandbox, "Anna", "en", bot_db=bot_db)
    # Telegram's language differs from the one chosen, so the choice is a real change.
    people = [
        Participant.create(
            sandbox, f"Member{index}", LANGUAGES[(index + 1) % len(LANGUAGES)], bot_db=bot_db
        )
        for index in range(members)
    ]
    plans = [onboarding(index) for index in range(members)]
    replies = Replies(sandbox)
    settings = Settings(
        _env_file=None,
        telegram_token=TOKEN,
        db_path=bot_db,
        admin_ids=frozenset({admin.user.id}),
        pseudonym_key=PSEUDONYM_KEY,
        # Off: we measure how fast the bot processes updates, not Telegram's 30 messages/s.
        rate_limit=False,
    )

    def queue(wave: int) -> list[Check]:
        """Every member who has a step number `wave` takes it."""
        return [
            take(person, plan[wave], codes[index // MAX_USES], replies)
            for index, (person, plan) in enumerate(zip(people, plans, strict=True))
            if wave < len(plan)
        ]

    codes: list[str] = []
    total = Tally()
    async with running_bot(settings, request=SandboxRequest(sandbox)):
        await admin.command("newpilot", "Laitila")
        # One invite admits at most MAX_USES people.
        for first in range(0, members, MAX_USES):
            [reply] = await admin.command("invite", f"member {min(MAX_USES, members - first)}")
            codes.append(invite_code(reply))
        for wave in range(max(map(len, plans))):
            total.add(await timed_wave(sandbox, partial(queue, wave)))
    check_database(settings.db_path, members)
    return total


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with the same text."""
    await update.message.reply_text(update.message.text)


@asynccontextmanager
async def running_ptb_bot(
    sandbox: Sandbox, handlers: list[BaseHandler]
) -> AsyncIterator[Application]:
    """A minimal PTB bot on our in-process transport, long polling with PTB's Updater."""
    request = SandboxRequest(sandbox)
    application = (
        ApplicationBuilder().token(TOKEN).request(request).get_updates_request(request).build()
    )
    application.add_handlers(handlers)
    async with application:
        await application.start()
        await application.updater.start_polling(
            poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES
        )
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()


async def ptb_round(
    members: int,
    name: str,
    handlers: list[BaseHandler],
    act: Callable[[Participant, int, Replies], Check],
) -> Tally:
    """A minimal PTB bot serves as many updates as onboarding, in waves of the same sizes.

    In wave k, each of the first (size of wave k) members does `act(member, k, replies)`.
    """
    sandbox = Sandbox(token=TOKEN, bot_username=f"{name}_bench_bot")
    people = [
        Participant.create(sandbox, f"Member{index}", "fi", bot_db=None) for index in range(members)
    ]
    replies = Replies(sandbox)

    def queue(wave: int, size: int) -> list[Check]:
        """The first `size` people act."""
        return [act(person, wave, replies) for person in people[:size]]

    total = Tally()
    async with running_ptb_bot(sandbox, handlers):
        for wave, size in enumerate(wave_sizes(members)):
            total.add(await timed_wave(sandbox, partial(queue, wave, size)))
    return total


def write_text(person: Participant, wave: int, replies: Replies) -> Check:
    """Send the echo bot a text; the check passes on its echo."""
    check = replies.awaited(person, 1)
    person.sandbox.send_text(person.user, f"message {wave} from {person.name}")
    return check


def prompt_keyboard(step: int) -> InlineKeyboardMarkup:
    """Five choices whose callback data is as long as seroi-bot's signed data."""
    signature = "x" * 11
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    f"Choice {choice} of step {step}",
                    callback_data=f"v1|next|{step}:{choice}|{signature}",
                )
            ]
            for choice in range(BUTTON_CHOICES)
        ]
    )


async def first_prompt(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/start`: send the first prompt."""
    await update.message.reply_text(BUTTON_PROMPT.format(step=1), reply_markup=prompt_keyboard(1))


async def next_prompt(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Turn the pressed prompt into the next one, then answer the press (as seroi-bot does)."""
    query = update.callback_query
    step = int(query.data.split("|")[2].partition(":")[0]) + 1
    await query.edit_message_text(
        BUTTON_PROMPT.format(step=step), reply_markup=prompt_keyboard(step)
    )
    await query.answer()


def start_or_press(person: Participant, wave: int, replies: Replies) -> Check:
    """The button bot's traffic: `/start` first, then a press of the prompt's first choice."""
    return take(person, Step("start", replies=1) if wave == 0 else Step("next"), "", replies)


def run_round(bot: str, members: int) -> Tally:
    """One round of one bot on a fresh event loop, sandbox and database."""
    gc.collect()
    if bot == "echo":
        handlers = [MessageHandler(filters.TEXT & ~filters.COMMAND, echo)]
        return asyncio.run(ptb_round(members, bot, handlers, write_text))
    if bot == "buttons":
        handlers = [CommandHandler("start", first_prompt), CallbackQueryHandler(next_prompt)]
        return asyncio.run(ptb_round(members, bot, handlers, start_or_press))
    with tempfile.TemporaryDirectory(prefix="seroi-bench-") as folder:
        return asyncio.run(seroi_round(members, Path(folder)))


def peak_rss_mib() -> float:
    """This process's peak resident set size so far (ru_maxrss: KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def traced_peak_mib(bot: str, members: int) -> float:
    """tracemalloc's peak of Python allocations during one extra round of `bot`."""
    tracemalloc.start()
    try:
        run_round(bot, members)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def main() -> None:
    """Run the rounds and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1000, help="simulated members")
    parser.add_argument("--rounds", type=int, default=3, help="echo/seroi-bot rounds (median)")
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="also trace Python allocations in one extra untimed round of each bot (slow)",
    )
    options = parser.parse_args()
    if options.members < 1 or options.rounds < 1:
        parser.error("--members and --rounds must be at least 1")
    logging.basicConfig(level=logging.WARNING)

    print(
        f"seroi-bot onboarding throughput: {options.members:,} simulated members, "
        f"in-process sandbox (no sockets)\n"
        f"python {platform.python_version()}, python-telegram-bot {telegram.__version__}, "
        f"{options.rounds} alternating rounds, medians\n"
        "Rate limiting off (Settings.rate_limit=False; the echo bot has no AIORateLimiter):\n"
        "this measures how fast updates are processed, not Telegram's cap of 30 messages/s.\n"
        "Timed: from a wave being queued until the bot has answered all of it; queueing the\n"
        "simulated users' messages and button presses is not timed, for any of the bots."
    )
    tallies: dict[str, list[Tally]] = {bot: [] for bot in BOTS}
    first_round_rss: dict[str, float] = {}
    for number in range(1, options.rounds + 1):
        for bot in BOTS:
            tallies[bot].append(run_round(bot, options.members))
            if number == 1:
                first_round_rss[bot] = peak_rss_mib()
        rate = {bot: tallies[bot][-1].rate for bot in BOTS}
        print(
            f"  round {number}: echo {rate['echo']:5.0f}/s, button bot {rate['buttons']:5.0f}/s, "
            f"seroi-bot {rate['seroi']:5.0f}/s, ratio to the button bot "
            f"{rate['seroi'] / rate['buttons']:.2f}"
        )

    print(f"\n{'':24}{'updates':>9}{'seconds':>10}{'updates/s':>11}")
    rates = {}
    for bot, label in BOTS.items():
        rates[bot] = statistics.median(tally.rate for tally in tallies[bot])
        seconds = statistics.median(tally.seconds for tally in tallies[bot])
        updates = tallies[bot][0].updates
        print(f"{label:24}{updates:>9,}{seconds:>10.2f}{rates[bot]:>11.0f}")
    ratio = rates["seroi"] / rates["buttons"]
    verdict = "PASS" if ratio >= TARGET else "MISS"
    print(f"{'ratio button bot / echo':24}{rates['buttons'] / rates['echo']:>30.2f}")
    print(f"{'ratio seroi / button bot':24}{ratio:>30.2f}   target ≥ {TARGET}: {verdict}")
    print(
        f"database after each seroi-bot round: {options.members:,} active members, "
        f"{len(CONSENT_PURPOSES) * options.members:,} consent rows, as expected"
    )
    # The first round starts in a fresh process, so its echo figure is the echo bot's own.
    print(
        f"\npeak RSS of the process: {first_round_rss['echo']:.0f} MiB after the first echo "
        f"round, {first_round_rss['buttons']:.0f} MiB after the first button-bot round,\n"
        f"{first_round_rss['seroi']:.0f} MiB after the first seroi-bot round, "
        f"{peak_rss_mib():.0f} MiB after all rounds"
    )
    if options.tracemalloc:
        # tracemalloc slows Python several times over, so these rounds are not timed.
        peaks = {bot: traced_peak_mib(bot, options.members) for bot in BOTS}
        print(
            "tracemalloc peak in one extra untimed round (bot + sandbox + simulated users): "
            f"echo {peaks['echo']:.0f} MiB, button bot {peaks['buttons']:.0f} MiB, "
            f"seroi-bot {peaks['seroi']:.0f} MiB"
        )


if __name__ == "__main__":
    main()
