"""Check-in scheduling and answering: one wave to many members, the tick, answers per second.

    .venv/bin/python bench/checkins.py [--members N] [--tick-members N] [--history-weeks N]
        [--answerers N] [--rounds N] [--parts 123]

1. One weekly wave's prompts to N members (default 10,000) over HTTP against the sandbox
   in flood mode (Telegram's 30 messages/s and per-chat limits) with 1 % of calls answered
   429 and 1 % timing out: messages per second as a share of the 30/s cap (target ≥ 0.9),
   prompts lost and sent twice (target 0 and 0).
2. The tick's cost with N members scheduled and a year of past waves (a coordinator
   subscribed to the digest): 500 due (target < 50 ms) and none due. The tick job as
   `seroi-bot run` runs it (every feature's due work, in batches, the rate limiter on),
   each Bot API call taking 100 ms; the median of 5 ticks, in wall-clock time and in the
   process's CPU time (which other programs on a shared machine inflate less).
3. Answers per second through the in-process sandbox, against the plain PTB button bot in
   the same run (target ≥ 0.5 × the button bot): every member answers their open check-in,
   one question per wave. For scale, the same members pressing Later… and Back on their
   check-in (one read and one edit per press, nothing stored): what any press costs.
   Rounds alternate the bots; the ratio is of the medians, with each round's ratio shown.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from telegram.ext import CallbackQueryHandler, CommandHandler
from throughput import (
    TOKEN,
    Replies,
    Step,
    Tally,
    first_prompt,
    next_prompt,
    running_ptb_bot,
    take,
    timed_wave,
)

from bot.app import DUE_WORK
from bot.chat.context import BotContext
from bot.demo.participants import Participant, running_bot
from bot.features.checkins.screens import ANSWER, LATER, RETURN
from bot.features.summaries.preparing import preparations_of, prepare_closed_waves
from bot.pseudonym_keys import check_key
from bot.scheduling import BATCH, DueWork, ManualClock, run_due
from bot.services import Services, services_of
from bot.settings import Settings
from bot.storage.db import Database
from sandbox.core import Sandbox
from sandbox.ptb import SandboxRequest
from sandbox.server import SandboxServer

KEY = "bench-pseudonym-key-not-a-secret"
ZONE = ZoneInfo("Europe/Helsinki")
MONDAY = datetime(2026, 11, 30, 7, 0, tzinfo=ZONE)
CAP = 30.0
ROUND_TRIP = 0.1  # seconds per Bot API call, as to Telegram
ANSWERS = ("3", "1", "1", "bus", "lt5")  # one per wave: a whole weekly check-in


def settings_for(db: Path, **options: object) -> Settings:
    """Bench settings: the tick only when the bench runs it."""
    return Settings(
        _env_file=None,
        telegram_token=TOKEN,
        db_path=db,
        pseudonym_key=KEY,
        tick_seconds=3600,
        **options,
    )


async def seed(
    db: Path, people: list[Participant], *, due: int | None = None, history_weeks: int = 0
) -> None:
    """A pilot and active members with the check-in consent (`due` of them due now).

    With `history_weeks`, the pilot has run that many weekly waves before (every member
    prompted, each wave closed), and its first member is a coordinator subscribed to the
    weekly digest, who has had the last one.
    """
    settings = settings_for(db)
    database = await Database.open(db)
    services = Services(settings=settings, db=database)
    await check_key(services)
    now = "2026-11-01T00:00:00+00:00"
    async with database.transaction():
        pilot = await services.pilots.create("Laitila", controller="bench")
        rows = [(services.pseudonym(person.user.id), person.user.id) for person in people]
        await database.executemany(
            "INSERT INTO people (pseudonym, language, current_pilot_id, created_at) "
            f"VALUES (?, 'fi', {pilot.id}, '{now}')",
            [(pseudonym,) for pseudonym, _ in rows],
        )
        await database.executemany("INSERT INTO contacts (pseudonym, chat_id) VALUES (?, ?)", rows)
        await database.executemany(
            "INSERT INTO members (pilot_id, pseudonym, status, joined_at, "
            f"checkin_day, checkin_window) VALUES ({pilot.id}, ?, 'active', '{now}', "
            "'mon', '08-11')",
            [(pseudonym,) for pseudonym, _ in rows],
        )
        await database.executemany(
            "INSERT INTO roles (pilot_id, pseudonym, role, granted_at) "
            f"VALUES ({pilot.id}, ?, 'member', '{now}')",
            [(pseudonym,) for pseudonym, _ in rows],
        )
        await database.executemany(
            "INSERT INTO consents (pilot_id, pseudonym, purpose, granted, notice_version, "
            f"language, recorded_at) VALUES ({pilot.id}, ?, 'checkins', 1, '2026-12', 'fi', "
            f"'{now}')",
            [(pseudonym,) for pseudonym, _ in rows],
        )
        if due is not None:
            # Everyone planned for later, `due` of them for now.
            await database.execute(
                "UPDATE checkin_due SET next_due_at = '2099-01-01T00:00:00+00:00'"
            )
            await database.execute(
                "UPDATE checkin_due SET next_due_at = '' WHERE rowid IN "
                "(SELECT rowid FROM checkin_due LIMIT ?)",
                (due,),
            )
        if history_weeks:
            pseudonyms = [pseudonym for pseudonym, _ in rows]
            await past_waves(database, pilot.id, pseudonyms, history_weeks)
    await database.close()


async def past_waves(database: Database, pilot_id: int, pseudonyms: list[str], weeks: int) -> None:
    """Closed weekly waves before the current one, and a coordinator who had their digest."""
    current = MONDAY.date() - timedelta(weeks=1)
    periods = [current - timedelta(weeks=back) for back in range(weeks, 0, -1)]
    await database.executemany(
        "INSERT INTO checkin_prompts (pilot_id, pseudonym, module, period, script, state, "
        f"status, prompted_at, closes_at) VALUES ({pilot_id}, ?, 'weekly', ?, 'work_travel', "
        "'{}', 'answered', ?, ?)",
        [
            (
                pseudonym,
                period.isoformat(),
                f"{period + timedelta(weeks=1)}T06:00:00+00:00",
                f"{period + timedelta(days=13)}T21:59:59+00:00",
            )
            for period in periods
            for pseudonym in pseudonyms
        ],
    )
    coordinator, now = pseudonyms[0], "2025-01-01T00:00:00+00:00"
    await database.execute(
        "INSERT INTO roles (pilot_id, pseudonym, role, granted_at) VALUES (?, ?, 'coordinator', ?)",
        (pilot_id, coordinator, now),
    )
    await database.execute(
        "INSERT INTO digest_subscribers (pilot_id, pseudonym, since) VALUES (?, ?, ?)",
        (pilot_id, coordinator, now),
    )
    await database.execute(
        "INSERT INTO digests_sent (pilot_id, pseudonym, period, sent_at) VALUES (?, ?, ?, ?)",
        (pilot_id, coordinator, periods[-1].isoformat(), now),
    )


def people_of(sandbox: Sandbox, count: int) -> list[Participant]:
    """Members who have opened the chat with the bot (so it may write to them)."""
    people = [Participant.create(sandbox, f"Member{n}", "fi", bot_db=None) for n in range(count)]
    for person in people:
        person.user.started = True
    return people


async def one_wave(members: int) -> dict[str, float]:
    """Part 1: the prompts of one wave over HTTP, flood limits and faults on."""
    sandbox = Sandbox(token=TOKEN, bot_username="seroi_bench_bot", flood_mode=True)
    sandbox.faults.timeout_delay = 1.0
    sandbox.faults.rule(methods=["sendMessage"], probability=0.01, kinds=("429",), seed=1)
    sandbox.faults.rule(methods=["sendMessage"], probability=0.01, kinds=("timeout",), seed=2)
    people = people_of(sandbox, members)
    with tempfile.TemporaryDirectory(prefix="seroi-bench-") as folder:
        db = Path(folder) / "seroi.db"
        await seed(db, people)
        clock = ManualClock(MONDAY + timedelta(hours=1))
        with SandboxServer(sandbox) as server:
            settings = settings_for(
                db,
                telegram_api_url=server.base_url,
                telegram_file_url=server.base_file_url,
                telegram_timeout=0.5,
            )
            async with running_bot(settings, clock=clock) as application:
                started = time.perf_counter()
                await run_due(BotContext(application), DUE_WORK)
                delivered = lambda: sum(  # noqa: E731
                    1 for call in sandbox.calls("sendMessage") if call.ok
                )
                await sandbox.wait_for_async(lambda: delivered() >= members, 3 * members / CAP + 60)
                elapsed = time.perf_counter() - started
                await sandbox.wait_for_async(lambda: application.bot_data["outbox"].idle, 60)
        counts = [0] * members
        index = {person.user.id: n for n, person in enumerate(people)}
        for call in sandbox.calls("sendMessage"):
            if call.ok:
                counts[index[call.params["chat_id"]]] += 1
    rate = members / elapsed
    return {
        "seconds": elapsed,
        "rate": rate,
        "share": rate / CAP,
        "lost": sum(count == 0 for count in counts),
        "doubled": sum(count > 1 for count in counts),
    }


def timed_pieces(work: tuple[DueWork, ...], batches: list[float]) -> tuple[DueWork, ...]:
    """The tick's due work, each call (one batch, one transaction) timed into `batches`."""

    def timed(piece: DueWork) -> DueWork:
        async def run(context: BotContext, now: datetime, limit: int) -> int:
            started = time.perf_counter()
            try:
                return await piece(context, now, limit)
            finally:
                batches.append((time.perf_counter() - started) * 1000)

        return run

    return tuple(timed(piece) for piece in work)


async def tick_cost(
    members: int, due: int, history_weeks: int, repeats: int = 5
) -> tuple[float, float, float, float]:
    """Part 2: median milliseconds of one tick with `due` of `members` due: wall clock, CPU,
    the event loop's share of it (the main thread's CPU: what residents' updates wait for;
    SQLite works on its own thread) and its longest batch (one transaction: what an
    answer's write may wait behind).

    The tick job's whole work as `seroi-bot run` does it (every feature's due work, in
    batches, rate limiter on), each Bot API call taking Telegram's round trip: the prompts
    it stores start going out while it still works, as they would. A running bot's tick:
    the summaries' preparation that the first tick after a start sets off in the background
    (bot/features/summaries/preparing.py) has run before.
    """
    timings, cpu, loop, longest = [], [], [], []
    with tempfile.TemporaryDirectory(prefix="seroi-bench-") as folder:
        seeded = Path(folder) / "seeded.db"
        for repeat in range(repeats):
            sandbox = Sandbox(token=TOKEN, bot_username="seroi_bench_bot")
            people = people_of(sandbox, members)  # the same users each time (the same seed)
            if repeat == 0:
                await seed(seeded, people, due=due, history_weeks=history_weeks)
            with tempfile.TemporaryDirectory(dir=folder) as run:
                db = Path(run) / "seroi.db"
                shutil.copyfile(seeded, db)  # closed cleanly: no write-ahead log beside it
                clock = ManualClock(MONDAY + timedelta(hours=1))
                request = SandboxRequest(sandbox, latency=ROUND_TRIP)
                async with running_bot(settings_for(db), request=request, clock=clock) as app:
                    await run_due(BotContext(app), (prepare_closed_waves,))
                    preparing = preparations_of(app).running
                    await sandbox.wait_for_async(lambda p=preparing: not p, 120)
                    # And what they write in the background (the sums kept on disk), and
                    # the checkpoint after it: a tick that has the machine to itself.
                    await services_of(app).db.background_done()
                    await services_of(app).db.log_copied_back()
                    batches: list[float] = []
                    work = timed_pieces(DUE_WORK, batches)
                    started, started_cpu = time.perf_counter(), time.process_time()
                    started_loop = time.thread_time()
                    await run_due(BotContext(app), work)
                    loop.append((time.thread_time() - started_loop) * 1000)
                    cpu.append((time.process_time() - started_cpu) * 1000)
                    timings.append((time.perf_counter() - started) * 1000)
                    longest.append(max(batches))
                    outbox = app.bot_data["outbox"]
                    await sandbox.wait_for_async(lambda outbox=outbox: outbox.idle, due / 20 + 60)
    median = statistics.median
    return median(timings), median(cpu), median(loop), median(longest)


async def seroi_answers(members: int) -> Tally:
    """Part 3: every member answers their open check-in, one question per timed wave."""
    return await seroi_presses(members, [Step(ANSWER, value) for value in ANSWERS])


async def seroi_menu_presses(members: int) -> Tally:
    """Part 3, for scale: Later… and Back to the question, as many waves as answers."""
    steps = [Step(LATER if n % 2 == 0 else RETURN) for n in range(len(ANSWERS))]
    return await seroi_presses(members, steps)


async def seroi_presses(members: int, steps: list[Step]) -> Tally:
    """Every member presses one button of their open check-in per timed wave."""
    sandbox = Sandbox(token=TOKEN, bot_username="seroi_bench_bot")
    people = people_of(sandbox, members)
    replies = Replies(sandbox)
    total = Tally()
    with tempfile.TemporaryDirectory(prefix="seroi-bench-") as folder:
        db = Path(folder) / "seroi.db"
        await seed(db, people)
        settings = settings_for(db, rate_limit=False)
        clock = ManualClock(MONDAY + timedelta(hours=1))
        async with running_bot(settings, request=SandboxRequest(sandbox), clock=clock) as app:
            await run_due(BotContext(app), DUE_WORK)
            await sandbox.wait_for_async(lambda: app.bot_data["outbox"].idle, 120)
            for step in steps:

                def queue(step: Step = step) -> list:
                    return [take(person, step, "", replies) for person in people]

                total.add(await timed_wave(sandbox, queue))
    return total


async def button_answers(members: int) -> Tally:
    """Part 3's baseline: the plain PTB button bot, as many presses in as many waves."""
    sandbox = Sandbox(token=TOKEN, bot_username="buttons_bench_bot")
    people = [Participant.create(sandbox, f"Member{n}", "fi", bot_db=None) for n in range(members)]
    replies = Replies(sandbox)
    handlers = [CommandHandler("start", first_prompt), CallbackQueryHandler(next_prompt)]
    total = Tally()
    async with running_ptb_bot(sandbox, handlers):
        await timed_wave(
            sandbox, lambda: [take(p, Step("start", replies=1), "", replies) for p in people]
        )
        for _value in ANSWERS:
            total.add(
                await timed_wave(
                    sandbox, lambda: [take(p, Step("next"), "", replies) for p in people]
                )
            )
    return total


def report_wave(members: int) -> None:
    """Part 1's figures."""
    wave = asyncio.run(one_wave(members))
    print(f"1. one wave's prompts to {members:,} members")
    print("   (HTTP, flood mode, 1 % of calls 429, 1 % timeouts)")
    share = f"{wave['rate']:.1f} msg/s = {wave['share']:.2f} of 30 msg/s"
    print(f"   {wave['seconds']:.1f} s: {share} (target ≥ 0.9)")
    print(f"   prompts lost: {wave['lost']}, sent twice: {wave['doubled']} (target 0 and 0)")


def report_tick(members: int, history_weeks: int) -> None:
    """Part 2's figures."""
    busy, busy_cpu, busy_loop, busy_batch = asyncio.run(tick_cost(members, 500, history_weeks))
    idle, idle_cpu, idle_loop, _idle_batch = asyncio.run(tick_cost(members, 0, history_weeks))
    print(f"2. the tick job with {members:,} members scheduled, {history_weeks} past weekly waves")
    print(f"   500 due: {busy:.1f} ms, CPU {busy_cpu:.1f} ms (target < 50 ms)")
    print(f"   of which on the event loop: {busy_loop:.1f} ms (the rest is SQLite's thread)")
    print(f"   its longest batch (one transaction of {BATCH} rows): {busy_batch:.1f} ms")
    print(f"   none due: {idle:.2f} ms, CPU {idle_cpu:.2f} ms, event loop {idle_loop:.2f} ms")


def report_answers(members: int, rounds: int) -> None:
    """Part 3's figures: medians over rounds that alternate the bots."""
    seroi, menus, buttons = [], [], []
    for _round in range(rounds):
        buttons.append(asyncio.run(button_answers(members)).rate)
        seroi.append(asyncio.run(seroi_answers(members)).rate)
        menus.append(asyncio.run(seroi_menu_presses(members)).rate)
    theirs = statistics.median(buttons)
    ours, menu = statistics.median(seroi), statistics.median(menus)
    each = ", ".join(f"{mine / base:.2f}" for mine, base in zip(seroi, buttons, strict=True))
    print(f"3. answers per second, {members} members × {len(ANSWERS)} questions")
    print(f"   seroi-bot {ours:.0f}/s, PTB button bot {theirs:.0f}/s: ratio {ours / theirs:.2f}")
    print(f"   (target ≥ 0.5; each round: {each})")
    print(f"   Later…/Back presses, nothing stored: {menu:.0f}/s, ratio {menu / theirs:.2f}")


def main() -> None:
    """Run the parts asked for (all three by default) and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000, help="members prompted in part 1")
    parser.add_argument("--tick-members", type=int, default=10_000, help="scheduled in part 2")
    parser.add_argument(
        "--history-weeks", type=int, default=52, help="weekly waves the pilot had before part 2"
    )
    parser.add_argument("--answerers", type=int, default=500, help="members answering in part 3")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of part 3")
    parser.add_argument(
        "--parts", default="123", help="which parts to run, e.g. 23 (part 1 takes minutes)"
    )
    options = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    if "1" in options.parts:
        report_wave(options.members)
    if "2" in options.parts:
        report_tick(options.tick_members, options.history_weeks)
    if "3" in options.parts:
        report_answers(options.answerers, options.rounds)


if __name__ == "__main__":
    main()
