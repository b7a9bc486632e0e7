"""Coordinators' summaries over a large pilot: the aggregation, the charts, and the residents.

    .venv/bin/python bench/summary.py [--members N] [--weeks N] [--answerers N]

A real database file holds a pilot of N members (default 10,000) who each answered W weekly
check-ins (default 52) of 6 items (the five work-and-travel answers and the derived remote
days): about 3 million answers, all in closed waves, and the Laitila example impact map.

1. The /summary aggregation plus the SEROI+ evaluation (`bot.live.live_analysis`) when a
   wave has closed: after a restart (new connections, nothing in memory, the per-member
   sums on disk), after an erasure, and in the running bot; also the first fill of the
   sums on disk, the first call (with the map's forecast and Monte Carlo, once per map
   version) and later calls. Targets: < 1 s, and ≤ 2 × a bare SQL `GROUP BY period, item`
   over the same answers table, timed in the same run. The bot prepares a wave when it
   closes (`bot.features.summaries.preparing`, in the background): the request after
   that preparation is timed too, beside the preparation's own time.
2. The chart album's render time: the summary's charts drawn one after another in this
   process, and through the bot's worker pool (`bot.rendering`, warmed up first).
3. Residents answering their check-in, one press every 100 ms, with every Bot API call
   taking 100 ms (the HTTP sandbox's latency), while four coordinators (fi, en, it, sv, so
   four different renders) ask for /summary at once: the 99th percentile of press → reply,
   as a ratio to the same residents answering without summaries (target ≤ 2). Rounds
   alternate without and with summaries, one question of the check-in each.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, timedelta
from pathlib import Path

from checkins import ANSWERS, MONDAY, people_of, seed, settings_for
from throughput import TOKEN

from bot.app import DUE_WORK
from bot.chat.context import BotContext
from bot.demo.participants import Participant, running_bot
from bot.features.summaries.preparing import preparations_of
from bot.features.summaries.summary import build_summary, prepare
from bot.live import live_analysis
from bot.rendering import Renderer
from bot.scheduling import ManualClock, run_due
from bot.services import Services
from bot.storage.db import Database
from sandbox.core import Sandbox
from sandbox.server import SandboxServer
from seroi.indicators import COMMUTE_MODES, DISTANCE_BANDS

ROOT = Path(__file__).resolve().parents[1]
LAITILA = ROOT / "examples" / "laitila_remote_work.yaml"
LANGUAGES = ("fi", "en", "it", "sv")
LATENCY = 0.1
PRESS_INTERVAL = 0.1
NOW = "2026-11-01T00:00:00+00:00"
NOW_UTC = MONDAY.astimezone(UTC).isoformat(timespec="seconds")


def _weeks(count: int) -> list[str]:
    """`count` Mondays, the last two weeks before the bench's clock (all closed by then)."""
    last = MONDAY.date() - timedelta(weeks=2)
    return [(last - timedelta(weeks=count - 1 - n)).isoformat() for n in range(count)]


def _answers(members: list[str], weeks: list[str], rng: random.Random) -> Iterator[tuple]:
    """(pilot, member, module, period, item, value, derived, at) in primary-key order."""
    for member in members:
        band = rng.choice(DISTANCE_BANDS[:-1])
        mode = rng.choice(COMMUTE_MODES)
        for period in weeks:
            work = rng.randint(0, 5)
            home = rng.randint(0, work)
            hub = rng.randint(0, work - home)
            at = period + "T08:00:00+00:00"
            week_mode = mode if rng.random() < 0.8 else rng.choice(COMMUTE_MODES)
            rows = {
                "commute_mode": (week_mode, 0),
                "distance_band": (band, 0),
                "home_days": (str(home), 0),
                "hub_days": (str(hub), 0),
                "remote_days": (str(home + hub), 1),
                "work_days": (str(work), 0),
            }
            for item in sorted(rows):
                value, derived = rows[item]
                yield (1, member, "weekly", period, item, value, derived, at)


async def build(db: Path, members: int, weeks: int) -> tuple[int, float]:
    """The large pilot (id 1), written with executemany in one transaction; answers stored."""
    started = time.perf_counter()
    database = await Database.open(db)
    await database.close()
    connection = sqlite3.connect(db)
    connection.execute("PRAGMA synchronous=OFF")
    names = [f"{number:064x}" for number in range(members)]
    periods = _weeks(weeks)
    with connection:
        connection.execute(
            "INSERT INTO pilots (id, slug, name, controller, notice_version, created_at) "
            "VALUES (1, 'bench', 'Bench', 'bench', '2026-12', ?)",
            (NOW,),
        )
        connection.executemany(
            "INSERT INTO people (pseudonym, language, created_at) VALUES (?, 'fi', ?)",
            ((name, NOW) for name in names),
        )
        connection.executemany(
            "INSERT INTO members (pilot_id, pseudonym, status, joined_at, stakeholder_group) "
            "VALUES (1, ?, 'active', ?, 'resident')",
            ((name, NOW) for name in names),
        )
        connection.executemany(
            "INSERT INTO checkin_prompts (pilot_id, pseudonym, module, period, script, state, "
            "status, prompted_at, closes_at) VALUES (1, ?, 'weekly', ?, 'work_travel', '{}', "
            "'answered', ?, ?)",
            (
                (name, period, period + "T06:00:00+00:00", _closes(period))
                for name in names
                for period in periods
            ),
        )
        connection.executemany(
            "INSERT INTO checkin_answers (pilot_id, pseudonym, module, period, item, value, "
            "derived, answered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            _answers(names, periods, random.Random(2026)),
        )
        connection.execute(
            "INSERT INTO impact_map_versions (pilot_id, number, yaml, source, created_at) "
            "VALUES (1, 1, ?, 'upload', ?)",
            (LAITILA.read_text(encoding="utf-8"), NOW),
        )
    (answers,) = connection.execute("SELECT COUNT(*) FROM checkin_answers").fetchone()
    connection.close()
    return answers, time.perf_counter() - started


def _closes(period: str) -> str:
    return (date.fromisoformat(period) + timedelta(days=14)).isoformat() + "T00:00:00+00:00"


async def _timed(call, repeats: int) -> list[float]:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        await call()
        timings.append(time.perf_counter() - started)
    return timings


async def _unpublished(database: Database) -> None:
    async with database.transaction():
        await database.execute("DELETE FROM published_returns")


class KeptSums:
    """The per-member sums on disk as they stood once (`analysis_sums`, `analysis_summed`),
    put back before each timed request so each one finds the same starting point."""

    def __init__(self, sums: list[tuple], summed: list[tuple]) -> None:
        self.sums, self.summed = sums, summed

    @classmethod
    async def taken(cls, database: Database) -> KeptSums:
        sums = await database.fetch_all_long("SELECT * FROM analysis_sums")
        summed = await database.fetch_all("SELECT * FROM analysis_summed")
        return cls([tuple(row) for row in sums], [tuple(row) for row in summed])

    async def put_back(self, database: Database) -> None:
        """As they were, less the members erased since; nothing published."""
        async with database.transaction():
            await database.execute("DELETE FROM published_returns")
            await database.execute("DELETE FROM analysis_sums")
            await database.execute("DELETE FROM analysis_summed")
            await database.executemany(
                "INSERT INTO analysis_sums SELECT ?, ?, ? WHERE EXISTS "
                "(SELECT 1 FROM people WHERE pseudonym = ?2)",
                self.sums,
            )
            await database.executemany(
                "INSERT INTO analysis_summed VALUES (?, ?, ?, ?)", self.summed
            )


async def _figures_unpublished(database: Database, period: str) -> None:
    """The wave's figures not yet published, as before it closed."""
    async with database.transaction():
        await database.execute("DELETE FROM wave_figures WHERE period = ?", (period,))


async def _forgotten(database: Database) -> None:
    """Nothing kept on disk or published: as for a pilot from before the sums were kept."""
    async with database.transaction():
        await database.execute("DELETE FROM published_returns")
        await database.execute("DELETE FROM analysis_summed")


async def _summed_before_last(services: Services) -> Services:
    """The services with the sums of every closed wave but the last in memory (the waves
    as they are now: an erasure changes their counts)."""
    closed, _running = await services.analysis.waves(1, NOW_UTC)
    await services.analysis.aggregates(1, closed[:-1])
    services.analysis.write_back(1)
    await services.db.background_done()  # their write-back, long over when the wave closes
    return services


async def aggregation(db: Path, repeats: int) -> dict[str, float]:
    """Part 1: live_analysis (first and later calls) against the bare GROUP BY."""
    database = await Database.open(db)
    settings = settings_for(db)
    clock = ManualClock(MONDAY)
    bare_sql = "SELECT period, item, COUNT(*) FROM checkin_answers GROUP BY period, item"

    def services_on(on: Database) -> Services:
        """A new repository: nothing of the pilot in memory, as in a new process."""
        return Services(settings=settings, db=on, clock=clock)

    async def timed_on(on: Database) -> float:
        [seconds] = await _timed(lambda: live_analysis(services_on(on), 1, lang="en"), 1)
        return seconds

    async def written(on: Database) -> None:
        """Wait for the sums' write-back that the timed call left running in the background;
        how much longer it ran is kept."""
        started = time.perf_counter()
        await on.background_done()
        write_back.append(time.perf_counter() - started)

    try:
        # One untimed read each first, so both find the file in the page cache.
        await database.fetch_all(bare_sql)
        await database.fetch_all_long("SELECT COUNT(*) FROM checkin_answers")
        bare = await _timed(lambda: database.fetch_all(bare_sql), repeats)
        services = services_on(database)
        first = await _timed(lambda: live_analysis(services, 1, lang="en"), 1)
        # The map's forecast is computed once per map version (and kept): from here on,
        # each timing is the aggregation and the actual return alone.
        fill = []
        for _ in range(repeats):
            # A pilot from before the sums were kept: one pass over every answer fills them.
            await _forgotten(database)
            fill.append(await timed_on(database))
            await database.background_done()
        # The sums on disk as they were before the last wave closed.
        await _forgotten(database)
        await _summed_before_last(services_on(database))
        before_last = await KeptSums.taken(database)
        restart_added, restart_same, erasure_added, added = [], [], [], []
        preparation, prepared, prepared_summary, write_back = [], [], [], []
        last = await database.fetch_one("SELECT MAX(period) AS period FROM checkin_waves")
        members = [
            row["pseudonym"]
            for row in await database.fetch_all(
                "SELECT pseudonym FROM members WHERE pilot_id = 1 ORDER BY pseudonym LIMIT ?",
                (repeats,),
            )
        ]
        for leaver in members:
            # A restart (new connections, nothing in memory), and then the last wave closes:
            # the sums are read back and that wave's answers added.
            await before_last.put_back(database)
            await database.close()
            database = await Database.open(db)
            restart_added.append(await timed_on(database))
            await written(database)
            # A restart and no new wave, but nothing published for these waves yet (a new
            # map version): the sums are read back, no answer is read.
            await _unpublished(database)
            await database.close()
            database = await Database.open(db)
            restart_same.append(await timed_on(database))
            # In the running bot: a member is erased (/delete), then the last wave closes.
            await before_last.put_back(database)
            running = await _summed_before_last(services_on(database))
            async with database.transaction():
                await running.personal_data.erase(leaver)
            erasure_added += await _timed(lambda r=running: live_analysis(r, 1, lang="en"), 1)
            await written(database)
            # In the running bot, the last wave closes: its answers are added to the sums
            # in memory (and written to disk).
            await before_last.put_back(database)
            running = await _summed_before_last(services_on(database))
            added += await _timed(lambda r=running: live_analysis(r, 1, lang="en"), 1)
            await written(database)
            # In the running bot, the last wave closes and the tick prepares it in the
            # background (its answers added, the return and the wave's figures published);
            # then a coordinator asks.
            await before_last.put_back(database)
            await _figures_unpublished(database, last["period"])
            running = await _summed_before_last(services_on(database))
            preparation += await _timed(lambda r=running: prepare(r, 1), 1)
            await written(database)
            prepared += await _timed(lambda r=running: live_analysis(r, 1, lang="en"), 1)
            pilot = await running.pilots.by_id(1)
            prepared_summary += await _timed(
                lambda r=running, p=pilot: build_summary(r, p, "en"), 1
            )
        # After an erasure within the wave: the published return is shown, no answer read.
        published = [await timed_on(database) for _ in range(repeats)]
        services = services_on(database)
        await live_analysis(services, 1, lang="en")
        later = await _timed(lambda: live_analysis(services, 1, lang="en"), repeats)
        live = await live_analysis(services, 1, lang="en")
        pilot = await services.pilots.by_id(1)
        summary = await _timed(lambda: build_summary(services, pilot, "en"), 2)
        kept = await database.fetch_one(
            "SELECT COUNT(*) AS members, SUM(length(sums)) AS bytes FROM analysis_sums"
        )
    finally:
        await database.close()
    actual = live.analysis.actual
    return {
        "bare": statistics.median(bare),
        "first": first[0],
        "fill": statistics.median(fill),
        "restart_added": statistics.median(restart_added),
        "restart_same": statistics.median(restart_same),
        "erasure_added": statistics.median(erasure_added),
        "added": statistics.median(added),
        "preparation": statistics.median(preparation),
        "prepared": statistics.median(prepared),
        "prepared_summary": statistics.median(prepared_summary),
        "write_back": statistics.median(write_back),
        "later": statistics.median(later),
        "published": statistics.median(published),
        "summary_first": summary[0],
        "summary": summary[1],
        "waves": len(live.closed_waves),
        "kept_members": kept["members"],
        "kept_bytes": kept["bytes"],
        "ratio": actual.ratio if actual else float("nan"),
        "forecast": live.analysis.forecast.ratio,
    }


async def album(db: Path) -> dict[str, float]:
    """Part 2: the summary's charts, in this process and through a warmed worker pool."""
    jobs = await _summary_charts(db, "en")
    started = time.perf_counter()
    for job in jobs:
        job.function(*job.args, **job.kwargs)
    inline = time.perf_counter() - started
    renderer = Renderer()
    try:
        # Start the workers (and their imports) on another summary's charts first.
        await renderer.render_all(await _summary_charts(db, "fi"))
        started = time.perf_counter()
        await renderer.render_all(jobs)
        pooled = time.perf_counter() - started
    finally:
        renderer.close()
    return {"charts": len(jobs), "inline": inline, "pooled": pooled}


async def _summary_charts(db: Path, lang: str) -> list:
    """The chart jobs of the large pilot's summary in `lang`."""
    database = await Database.open(db)
    services = Services(settings=settings_for(db), db=database, clock=ManualClock(MONDAY))
    try:
        built = await build_summary(services, await services.pilots.by_id(1), lang)
    finally:
        await database.close()
    return [job for _name, job in built.charts]


async def coordinators(db: Path, sandbox: Sandbox) -> list[Participant]:
    """Four coordinators of the large pilot, one per language."""
    people = [
        Participant.create(sandbox, f"Coordinator{lang}", lang, bot_db=None) for lang in LANGUAGES
    ]
    database = await Database.open(db)
    services = Services(settings=settings_for(db), db=database)
    try:
        async with database.transaction():
            for person, lang in zip(people, LANGUAGES, strict=True):
                person.user.started = True
                pseudonym = services.pseudonym(person.user.id)
                await database.execute(
                    "INSERT INTO people (pseudonym, language, current_pilot_id, created_at) "
                    "VALUES (?, ?, 1, ?)",
                    (pseudonym, lang, NOW),
                )
                await database.execute(
                    "INSERT INTO contacts (pseudonym, chat_id) VALUES (?, ?)",
                    (pseudonym, person.user.id),
                )
                await services.roles.grant(1, pseudonym, "coordinator")
    finally:
        await database.close()
    return people


class ReplyTimes:
    """When the bot last sent or edited a message for each person (by first name)."""

    SENT, EDITED = "bot → ", "bot ✎ "

    def __init__(self, sandbox: Sandbox) -> None:
        self.at: dict[str, float] = {}
        sandbox.on_transcript(self._seen)

    def _seen(self, line: str) -> None:
        if line.startswith(self.SENT):
            name = line[len(self.SENT) :].partition(": ")[0]
        elif line.startswith(self.EDITED):
            name = line[len(self.EDITED) :].partition(" #")[0]
        else:
            return
        self.at[name] = time.perf_counter()


async def answering(
    sandbox: Sandbox,
    residents: list[Participant],
    value: str,
    replies: ReplyTimes,
    summaries: list[Participant],
) -> tuple[list[float], float]:
    """Each resident presses `value` in turn, one every 100 ms; the coordinators ask for
    /summary together once a fifth of the residents have pressed. Press → reply seconds,
    and how long the last summary's reply took."""
    pressed: dict[str, float] = {}
    asked_at = 0.0
    for number, person in enumerate(residents):
        if summaries and number == len(residents) // 5:
            asked_at = time.perf_counter()
            for coordinator in summaries:
                sandbox.command(coordinator.user, "summary")
        message, button = person.find_button("ck", value)
        pressed[person.name] = time.perf_counter()
        sandbox.press_button(person.user, message, button["callback_data"])
        await asyncio.sleep(PRESS_INTERVAL)
    await sandbox.wait_for_async(
        lambda: all(replies.at.get(name, 0) > at for name, at in pressed.items()), 120
    )
    summary_seconds = 0.0
    if summaries:
        await sandbox.wait_for_async(
            lambda: all(replies.at.get(c.name, 0) > asked_at for c in summaries), 120
        )
        summary_seconds = max(replies.at[c.name] for c in summaries) - asked_at
    return [replies.at[name] - at for name, at in pressed.items()], summary_seconds


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


async def residents_under_summaries(db: Path, count: int) -> dict[str, object]:
    """Part 3: rounds without and with four summaries, over HTTP at 100 ms per call."""
    sandbox = Sandbox(token=TOKEN, bot_username="seroi_bench_bot")
    residents = people_of(sandbox, count)
    await seed(db, residents)  # a second pilot whose members answer check-ins now
    bosses = await coordinators(db, sandbox)
    replies = ReplyTimes(sandbox)
    clock = ManualClock(MONDAY + timedelta(hours=1))
    without, with_summaries, summary_seconds = [], [], []
    with SandboxServer(sandbox) as server:
        settings = settings_for(
            db, telegram_api_url=server.base_url, telegram_file_url=server.base_file_url
        )
        async with running_bot(settings, clock=clock) as application:
            # The first tick after a start prepares the pilot's closed waves in the background.
            started = time.perf_counter()
            await run_due(BotContext(application), DUE_WORK)
            preparing = preparations_of(application).running
            await sandbox.wait_for_async(lambda: not preparing, 600)
            first_tick = time.perf_counter() - started
            await sandbox.wait_for_async(lambda: application.bot_data["outbox"].idle, 120)
            # The first summary after the start, the waves prepared.
            started = time.perf_counter()
            before = len(bosses[0].messages)
            sandbox.command(bosses[0].user, "summary")
            await sandbox.wait_for_async(lambda: len(bosses[0].messages) > before, 600)
            first_summary = time.perf_counter() - started
            await sandbox.wait_for_async(lambda: application.bot_data["outbox"].idle, 120)
            server.latency = LATENCY
            for round_number, value in enumerate(ANSWERS):
                asking = bosses if round_number % 2 else []
                if asking:
                    # A fresh pool: the last round's charts must not come from its cache.
                    application.bot_data["renderer"].close()
                    application.bot_data["renderer"] = Renderer()
                times, seconds = await answering(sandbox, residents, value, replies, asking)
                (with_summaries if asking else without).extend(times)
                if asking:
                    summary_seconds.append(seconds)
                await sandbox.wait_for_async(lambda: application.bot_data["outbox"].idle, 120)
            server.latency = 0
    return {
        "without": p99(without),
        "with": p99(with_summaries),
        "ratio": p99(with_summaries) / p99(without),
        "summaries": summary_seconds,
        "first_summary": first_summary,
        "first_tick": first_tick,
        "presses": (len(without), len(with_summaries)),
    }


def main() -> None:
    """Build the database, run the three parts and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--answerers", type=int, default=100, help="residents in part 3")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--parts", default="123", help="which parts to run, e.g. 3")
    options = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="seroi-bench-") as folder:
        db = Path(folder) / "seroi.db"
        answers, seconds = asyncio.run(build(db, options.members, options.weeks))
        size = db.stat().st_size / 1e6
        print(
            f"database: {options.members:,} members × {options.weeks} weeks: {answers:,} "
            f"answers, {size:.0f} MB, built in {seconds:.1f} s"
        )
        if "1" in options.parts:
            print_aggregation(asyncio.run(aggregation(db, options.repeats)))
        if "2" in options.parts:
            print_album(asyncio.run(album(db)))
        if "3" in options.parts:
            print_residents(asyncio.run(residents_under_summaries(db, options.answerers)), options)
    sys.stdout.flush()


def print_aggregation(timing: dict[str, float]) -> None:
    """Part 1's figures."""
    bare = timing["bare"]

    def line(what: str, seconds: float) -> None:
        print(f"   {what}: {seconds:.3f} s, {seconds / bare:.2f} × bare (median)")

    print("1. /summary aggregation + SEROI+ evaluation (live_analysis; targets < 1 s, ≤ 2 × bare)")
    print(f"   bare GROUP BY period, item: {bare:.3f} s (median)")
    line(
        "after a restart, a wave closes (sums read back from disk, its answers added)",
        timing["restart_added"],
    )
    line(
        "after an erasure, a wave closes (the same, the member's sums gone)",
        timing["erasure_added"],
    )
    line(
        "after a wave closes in the running bot (its answers added to the sums in memory)",
        timing["added"],
    )
    line(
        "/summary after a wave closed, the bot having prepared it at the close",
        timing["prepared"],
    )
    line(
        "   the preparation itself (tick, in the background, no one waiting)",
        timing["preparation"],
    )
    print(
        f"      the whole /summary text after the preparation (build_summary): "
        f"{timing['prepared_summary']:.3f} s (median)"
    )
    print(
        f"      the sums' write-back, in the background once the result is out: "
        f"{timing['write_back']:.3f} s more (median)"
    )
    line(
        "after a restart, nothing published for the same waves (sums read back, no answer)",
        timing["restart_same"],
    )
    line(
        "first fill of the sums on disk (a pilot from before them: every answer read)",
        timing["fill"],
    )
    print(
        f"   after a restart or an erasure within the wave (the published return): "
        f"{timing['published']:.4f} s (median)"
    )
    print(
        f"   later requests in the wave (kept): {timing['later']:.4f} s, "
        f"{timing['later'] / bare:.4f} × bare (median)"
    )
    print(f"   the very first, with the map's Monte Carlo: {timing['first']:.3f} s")
    print(
        f"   sums on disk: {timing['kept_members']:,} members, "
        f"{timing['kept_bytes'] / 1e6:.1f} MB of JSON"
    )
    print(
        f"   {timing['waves']} closed waves; SROI ratio forecast {timing['forecast']:.2f}, "
        f"actual {timing['ratio']:.2f}"
    )
    print(
        f"   the whole /summary text (build_summary): first {timing['summary_first']:.3f} s, "
        f"then {timing['summary']:.3f} s"
    )


def print_album(charts: dict[str, float]) -> None:
    """Part 2's figures."""
    print(f"2. the summary's album: {charts['charts']} charts")
    print(
        f"   {charts['inline']:.3f} s one after another in one process, "
        f"{charts['pooled']:.3f} s in the bot's worker pool"
    )


def print_residents(load: dict[str, object], options: argparse.Namespace) -> None:
    """Part 3's figures."""
    print(
        f"3. residents answering check-ins at {LATENCY * 1000:.0f} ms per Bot API call, "
        f"{options.answerers} presses a round"
    )
    print(f"   p99 press → reply without summaries: {load['without']:.3f} s")
    print(f"   p99 with four summaries rendering at once: {load['with']:.3f} s")
    print(f"   ratio {load['ratio']:.2f} (target ≤ 2)")
    shown = ", ".join(f"{seconds:.1f} s" for seconds in load["summaries"])
    print(f"   the four summaries answered within: {shown}")
    print(
        f"   (before the rounds, at no latency: the first tick after the start and the "
        f"preparation it started, {load['first_tick']:.1f} s; then the first summary, "
        f"{load['first_summary']:.1f} s)"
    )


if __name__ == "__main__":
    main()
