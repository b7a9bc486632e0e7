"""The per-member aggregates the bot computes in SQL are the ones the SEROI+ core computes
from the same answers as observations, so the actual return has one definition: on the
example observations, on generated ones, and with the open wave's answers left out."""

from __future__ import annotations

import asyncio
import math
import tempfile
import threading
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.services import Services
from bot.storage.db import Database
from bot.storage.repositories.analysis import WaveStatus
from seroi.derivations import (
    Aggregates,
    aggregate_observations,
    derive_from_aggregates,
    derive_quantity,
)
from seroi.indicators import COMMUTE_MODES, DISTANCE_BANDS, WHO5_ITEMS
from seroi.observations import Observation, load_observations

from .conftest import make_settings

SYNTHETIC = Path(__file__).parents[2] / "examples" / "observations_synthetic.csv"
WEEKLY_ITEMS = ("work_days", "home_days", "hub_days", "commute_mode", "distance_band")
CLOSED = "2000-01-01T00:00:00+00:00"
OPEN = "2999-01-01T00:00:00+00:00"
NOW = "2026-12-01T00:00:00+00:00"
# Every derivation, with parameters that take each of their branches.
DERIVATIONS_UNDER_TEST = [
    ("avoided_car_co2_tonnes", {}),
    ("avoided_car_co2_tonnes", {"include_hub_days": False}),
    ("avoided_commute_km", {}),
    ("avoided_commute_km", {"modes": ["bicycle", "car_driver"]}),
    ("commute_km_by_mode", {"modes": ["car_driver"]}),
    ("commute_km_by_mode", {"modes": ["bus", "bicycle", "walking"]}),
    ("remote_workers", {}),
    ("remote_workers", {"min_days_per_week": 2, "include_hub_days": False}),
    ("remote_work_share", {}),
    ("remote_work_share", {"include_hub_days": False}),
    ("life_satisfaction_gain", {}),
    ("life_satisfaction_gain", {"measure": "persons"}),
    ("wellbeing_improved", {}),
    ("wellbeing_improved", {"min_gain_percentage_points": 4}),
    ("extra_home_energy_days", {}),
]


def stored_as(observation: Observation) -> tuple[str, str]:
    """(module, period) the bot stores an answer under: a weekly item under its week's Monday."""
    if observation.indicator in WEEKLY_ITEMS:
        monday = observation.date - timedelta(days=observation.date.weekday())
        return "weekly", monday.isoformat()
    return "monthly", observation.date.isoformat()


async def sql_aggregates(
    folder: Path,
    observations: Sequence[Observation],
    open_periods: frozenset[str] = frozenset(),
    *,
    wave_by_wave: bool = False,
) -> Aggregates:
    """Store the observations as a pilot's check-in answers and aggregate them in SQL (at
    once, or `wave_by_wave` as each wave closes)."""
    services, pilot_id = await stored_pilot(folder, observations, open_periods)
    try:
        closed, _running = await services.analysis.waves(pilot_id, NOW)
        assert all(wave.closes_at == CLOSED for wave in closed)
        if wave_by_wave:
            for count in range(1, len(closed)):
                await services.analysis.aggregates(pilot_id, closed[:count])
        return await services.analysis.aggregates(pilot_id, closed)
    finally:
        await services.db.close()


async def stored_pilot(
    folder: Path, observations: Sequence[Observation], open_periods: frozenset[str]
) -> tuple[Services, int]:
    """A pilot whose check-in answers are the observations; the waves of `open_periods` are
    still open. Its first member was prompted in every wave (so erase another)."""
    services = await started(folder)
    members = sorted({observation.member for observation in observations})
    waves = {stored_as(observation) for observation in observations}
    async with services.db.transaction():
        pilot = await services.pilots.create("Laitila", "Leader")
        for number, member in enumerate(members):
            await services.people.ensure(member, 1000 + number, "fi")
        await services.db.executemany(
            "INSERT INTO checkin_prompts (pilot_id, pseudonym, module, period, script, "
            "state, status, prompted_at, closes_at) VALUES (?, ?, ?, ?, 'x', '', "
            "'answered', ?, ?)",
            [
                (pilot.id, members[0], module, period, CLOSED, _closes(period, open_periods))
                for module, period in waves
            ],
        )
        await services.checkins.store_answers(
            [
                (pilot.id, o.member, *stored_as(o), o.indicator, str(o.value), 0, CLOSED)
                for o in sorted(observations, key=lambda item: item.date)
            ]
        )
    return services, pilot.id


async def started(folder: Path) -> Services:
    """The bot's services on the database in `folder`, as a (re)started bot has them."""
    config = make_settings(folder / "seroi.db", 1, "http://127.0.0.1:9/bot", "http://127.0.0.1:9/f")
    return Services(settings=config, db=await Database.open(config.db_path))


def _closes(period: str, open_periods: frozenset[str]) -> str:
    return OPEN if period in open_periods else CLOSED


def assert_same_results(aggregates: Aggregates, observations: Sequence[Observation]) -> None:
    for name, params in DERIVATIONS_UNDER_TEST:
        expected = derive_quantity(name, params, observations)
        found = derive_from_aggregates(name, params, aggregates.members)
        assert found.members == expected.members, (name, params)
        if expected.quantity is None:
            assert found.quantity is None, (name, params)
        else:
            assert math.isclose(found.quantity, expected.quantity, rel_tol=1e-12), (name, params)


async def test_sql_aggregates_give_the_example_observations_results(tmp_path: Path) -> None:
    observations = load_observations(SYNTHETIC)
    aggregates = await sql_aggregates(tmp_path, observations)
    assert aggregates == aggregate_observations(observations)
    assert_same_results(aggregates, observations)
    assert len(aggregates.members) == len({o.member for o in observations})


async def test_sums_added_wave_by_wave_equal_one_pass_over_every_wave(tmp_path: Path) -> None:
    observations = load_observations(SYNTHETIC)
    added = await sql_aggregates(tmp_path, observations, wave_by_wave=True)
    assert added == aggregate_observations(observations)


async def test_answers_of_an_open_wave_do_not_count(tmp_path: Path) -> None:
    observations = load_observations(SYNTHETIC)
    last_week = max(stored_as(o)[1] for o in observations if o.indicator == "work_days")
    aggregates = await sql_aggregates(tmp_path, observations, frozenset({last_week}))
    closed_only = [o for o in observations if stored_as(o)[1] != last_week]
    assert aggregates == aggregate_observations(closed_only)
    assert aggregates != aggregate_observations(observations)


async def test_no_closed_wave_means_no_members(tmp_path: Path) -> None:
    config = make_settings(tmp_path / "seroi.db", 1, "http://127.0.0.1:9/bot", "http://x/f")
    db = await Database.open(config.db_path)
    try:
        services = Services(settings=config, db=db)
        nothing: list[WaveStatus] = []
        aggregates = await services.analysis.aggregates(1, nothing)
        assert aggregates.members == ()
        assert aggregates.answered == frozenset()
    finally:
        await db.close()


ITEMS = ("work_days", "home_days", "hub_days", "commute_mode", "distance_band")
WELLBEING = ("ons_life_satisfaction", *WHO5_ITEMS)


def _value(item: str) -> st.SearchStrategy[float | str]:
    if item == "commute_mode":
        return st.sampled_from(COMMUTE_MODES)
    if item == "distance_band":
        return st.sampled_from(DISTANCE_BANDS)
    top = 7 if item in ITEMS else 10 if item == "ons_life_satisfaction" else 5
    return st.integers(0, top).map(float)


def _answer(member: str, day: int, item: str) -> st.SearchStrategy[Observation]:
    start = date(2025, 3, 3)
    # Weekly answers about Mondays (the bot's periods), wellbeing on the first of a month.
    when = start + timedelta(weeks=day) if item in ITEMS else date(2025, 3 + day % 9, 1)
    return _value(item).map(
        lambda value: Observation(member=member, date=when, indicator=item, value=value)
    )


answers = st.lists(
    st.tuples(
        st.sampled_from("abcdefg"), st.integers(0, 12), st.sampled_from(ITEMS + WELLBEING)
    ).flatmap(lambda drawn: _answer(*drawn)),
    max_size=150,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers)
def test_sql_aggregates_agree_with_the_core_on_generated_answers(
    drawn: list[Observation],
) -> None:
    # One answer per member, date and item: the bot's last answer in a wave wins.
    observations = list({(o.member, o.date, o.indicator): o for o in drawn}.values())
    with tempfile.TemporaryDirectory() as folder:
        aggregates = asyncio.run(sql_aggregates(Path(folder), observations))
    assert aggregates == aggregate_observations(observations)
    assert_same_results(aggregates, observations)


async def _pilot_with_two_weeks(folder: Path) -> tuple[Database, Services, int]:
    """Members a–f answered the week of 3 March (closed); the week of 10 March is open."""
    config = make_settings(folder / "seroi.db", 1, "http://127.0.0.1:9/bot", "http://x/f")
    db = await Database.open(config.db_path)
    services = Services(settings=config, db=db)
    members = list("abcdef")
    async with db.transaction():
        pilot = await services.pilots.create("Laitila", "Leader")
        for number, member in enumerate(members):
            await services.people.ensure(member, 1000 + number, "fi")
        for period, closes in (("2025-03-03", CLOSED), ("2025-03-10", OPEN)):
            await db.executemany(
                "INSERT INTO checkin_prompts (pilot_id, pseudonym, module, period, script, "
                "state, status, prompted_at, closes_at) VALUES (?, ?, 'weekly', ?, 'x', '', "
                "'answered', ?, ?)",
                [(pilot.id, member, period, CLOSED, closes) for member in members],
            )
            await services.checkins.store_answers(
                [
                    (pilot.id, member, "weekly", period, "work_days", "5", 0, CLOSED)
                    for member in members
                ]
            )
    return db, services, pilot.id


async def test_an_erasure_or_a_wave_closing_is_seen_by_the_next_request(tmp_path: Path) -> None:
    db, services, pilot_id = await _pilot_with_two_weeks(tmp_path)
    try:
        closed, running = await services.analysis.waves(pilot_id, NOW)
        assert [wave.period for wave in closed] == ["2025-03-03"]
        assert [wave.period for wave in running] == ["2025-03-10"]
        first = await services.analysis.aggregates(pilot_id, closed)
        assert {member.member for member in first.members} == set("abcdef")
        assert all(member.weeks == 1 for member in first.members)
        # Member c is erased (/delete): neither their wave counts nor their answers stay.
        async with db.transaction():
            await services.personal_data.erase("c")
        closed, _running = await services.analysis.waves(pilot_id, NOW)
        assert closed[0].prompted == 5
        after = await services.analysis.aggregates(pilot_id, closed)
        assert {member.member for member in after.members} == set("abdef")
        # The second week closes: its answers join.
        async with db.transaction():
            await db.execute("UPDATE checkin_prompts SET closes_at = ?", (CLOSED,))
        closed, running = await services.analysis.waves(pilot_id, NOW)
        assert [wave.period for wave in closed] == ["2025-03-03", "2025-03-10"]
        assert running == []
        both = await services.analysis.aggregates(pilot_id, closed)
        assert all(member.weeks == 2 for member in both.members)
    finally:
        await db.close()


async def test_a_wave_with_a_prompt_still_open_is_not_closed(tmp_path: Path) -> None:
    db, services, pilot_id = await _pilot_with_two_weeks(tmp_path)
    try:
        # Past its close, but the tick has not ended member a's prompt: answers may still come.
        async with db.transaction():
            await db.execute("UPDATE checkin_prompts SET closes_at = ?", (CLOSED,))
            await db.execute(
                "UPDATE checkin_prompts SET status = 'open' WHERE pseudonym = 'a' "
                "AND period = '2025-03-10'"
            )
        closed, running = await services.analysis.waves(pilot_id, NOW)
        assert [wave.period for wave in closed] == ["2025-03-03"]
        assert [wave.period for wave in running] == ["2025-03-10"]
    finally:
        await db.close()


async def test_requests_at_once_see_each_closed_wave_once(tmp_path: Path) -> None:
    """A coordinator's summary during the tick's preparation: both read the waves at once,
    and neither they nor a later request find the closed week twice."""
    db, services, pilot_id = await _pilot_with_two_weeks(tmp_path)
    try:
        at_once = await asyncio.gather(*(services.analysis.waves(pilot_id, NOW) for _ in range(2)))
        later = await services.analysis.waves(pilot_id, NOW)
        assert [[wave.period for wave in closed] for closed, _running in at_once] == [
            ["2025-03-03"],
            ["2025-03-03"],
        ]
        assert all(result == later for result in at_once)
    finally:
        await db.close()


async def test_requests_at_once_share_one_pass_over_the_answers(tmp_path: Path) -> None:
    db, services, pilot_id = await _pilot_with_two_weeks(tmp_path)
    passes = 0
    read = db.fetch_all_long

    async def counted(sql: str, parameters: tuple = ()) -> list:
        nonlocal passes
        passes += "FROM checkin_answers" in sql
        return await read(sql, parameters)

    db.fetch_all_long = counted
    try:
        closed, _running = await services.analysis.waves(pilot_id, NOW)
        results = await asyncio.gather(
            *(services.analysis.aggregates(pilot_id, closed) for _ in range(4))
        )
        assert passes == 1
        assert all(result == results[0] for result in results)
        assert len(results[0].members) == 6
    finally:
        await db.close()


async def test_a_long_analysis_read_holds_up_neither_the_writer_nor_other_reads(
    tmp_path: Path,
) -> None:
    db, services, pilot_id = await _pilot_with_two_weeks(tmp_path)
    started = threading.Event()
    try:
        await db.fetch_all_long("SELECT 1")  # opens the analysis connection
        # SQLite calls this while the long read runs: from then on it is under way.
        await db._long_reader.set_progress_handler(lambda: started.set() or 0, 1000)
        long_read = asyncio.ensure_future(
            db.fetch_all_long(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                "WHERE i < 20000000) SELECT COUNT(*) FROM n"
            )
        )
        assert await asyncio.to_thread(started.wait, 10)
        async with db.transaction():
            await services.checkins.store_answers(
                [(pilot_id, "a", "weekly", "2025-03-10", "home_days", "2", 0, CLOSED)]
            )
        row = await db.fetch_one(
            "SELECT value FROM checkin_answers WHERE pseudonym = 'a' AND item = 'home_days'"
        )
        assert row["value"] == "2"
        assert not long_read.done(), "the write and the read waited for the long read"
        [(count,)] = await long_read
        assert count == 20_000_000
    finally:
        await db.close()


def answer_reads(db: Database) -> list[str]:
    """From now on, the SQL of each long read of the answers on `db`: a pass over every
    answer reads them in key order, not INDEXED BY the period index."""
    reads: list[str] = []
    read = db.fetch_all_long

    async def recorded(sql: str, parameters: tuple = ()) -> list:
        if "FROM checkin_answers" in sql:
            reads.append(sql)
        return await read(sql, parameters)

    db.fetch_all_long = recorded
    return reads


def passes_over_every_answer(reads: list[str]) -> int:
    return sum("INDEXED BY" not in sql for sql in reads)


async def close_wave(services: Services, period: str) -> None:
    async with services.db.transaction():
        await services.db.execute(
            "UPDATE checkin_prompts SET closes_at = ? WHERE period = ?", (CLOSED, period)
        )


def _last_week(observations: Sequence[Observation]) -> str:
    return max(stored_as(o)[1] for o in observations if o.indicator == "work_days")


async def summed_and_kept(
    services: Services, pilot_id: int, waves: Sequence[WaveStatus]
) -> Aggregates:
    """The aggregates of these waves, their sums written to disk as once a result is out."""
    aggregates = await services.analysis.aggregates(pilot_id, waves)
    services.analysis.write_back(pilot_id)
    await services.db.background_done()
    return aggregates


async def restarted_after_summing(
    folder: Path, observations: Sequence[Observation], open_periods: frozenset[str]
) -> tuple[Services, int, Aggregates]:
    """The services of a bot restarted after it had summed the pilot's closed waves (and
    kept the sums on disk); the pilot, and what those sums gave."""
    services, pilot_id = await stored_pilot(folder, observations, open_periods)
    try:
        closed, _running = await services.analysis.waves(pilot_id, NOW)
        summed = await summed_and_kept(services, pilot_id, closed)
    finally:
        await services.db.close()
    return await started(folder), pilot_id, summed


async def aggregates_after_restart(
    folder: Path, pilot_id: int, waves: Sequence[WaveStatus]
) -> Aggregates:
    """What another restart of the bot computes over these waves."""
    services = await started(folder)
    try:
        return await services.analysis.aggregates(pilot_id, waves)
    finally:
        await services.db.close()


async def test_after_a_restart_the_sums_on_disk_give_the_full_pass_numbers(
    tmp_path: Path,
) -> None:
    observations = load_observations(SYNTHETIC)
    last_week = _last_week(observations)
    services, pilot_id, _summed = await restarted_after_summing(
        tmp_path, observations, frozenset({last_week})
    )
    try:
        # The last week closed while the bot was down.
        await close_wave(services, last_week)
        reads = answer_reads(services.db)
        closed, _running = await services.analysis.waves(pilot_id, NOW)
        assert last_week in {wave.period for wave in closed}
        kept = await services.analysis.aggregates(pilot_id, closed)
        assert passes_over_every_answer(reads) == 0
        assert len(reads) == 1, "the new wave's answers, through the period index"
        # The same, had nothing been on disk: one pass over every answer.
        async with services.db.transaction():
            await services.db.execute("DELETE FROM analysis_summed")
        fresh = await aggregates_after_restart(tmp_path, pilot_id, closed)
        assert fresh == kept
        assert fresh == aggregate_observations(observations)
        assert_same_results(kept, observations)
    finally:
        await services.db.close()


async def test_after_a_restart_with_no_new_wave_no_answer_is_read(tmp_path: Path) -> None:
    observations = load_observations(SYNTHETIC)
    services, pilot_id, before = await restarted_after_summing(tmp_path, observations, frozenset())
    try:
        reads = answer_reads(services.db)
        closed, _running = await services.analysis.waves(pilot_id, NOW)
        assert await services.analysis.aggregates(pilot_id, closed) == before
        assert reads == []
    finally:
        await services.db.close()


async def test_an_erasure_takes_the_members_sums_off_disk_and_needs_no_full_pass(
    tmp_path: Path,
) -> None:
    observations = load_observations(SYNTHETIC)
    last_week = _last_week(observations)
    services, pilot_id = await stored_pilot(tmp_path, observations, frozenset({last_week}))
    try:
        closed, _running = await services.analysis.waves(pilot_id, NOW)
        await summed_and_kept(services, pilot_id, closed)
        erased = sorted({o.member for o in observations})[1]
        kept_of = "SELECT COUNT(*) AS n FROM analysis_sums WHERE pseudonym = ?"
        assert (await services.db.fetch_one(kept_of, (erased,)))["n"] == 1
        async with services.db.transaction():
            await services.personal_data.erase(erased)
        assert (await services.db.fetch_one(kept_of, (erased,)))["n"] == 0
        await close_wave(services, last_week)
        reads = answer_reads(services.db)
        closed, _running = await services.analysis.waves(pilot_id, NOW)
        after = await summed_and_kept(services, pilot_id, closed)
        assert passes_over_every_answer(reads) == 0
        left = [o for o in observations if o.member != erased]
        assert after == aggregate_observations(left)
        assert erased not in {member.member for member in after.members}
        # What a restart reads back is the same.
        assert await aggregates_after_restart(tmp_path, pilot_id, closed) == after
    finally:
        await services.db.close()


async def test_sums_on_disk_over_waves_not_asked_for_are_computed_afresh(tmp_path: Path) -> None:
    observations = load_observations(SYNTHETIC)
    services, pilot_id, _summed = await restarted_after_summing(tmp_path, observations, frozenset())
    try:
        # The last wave is no longer asked for (say an erasure left it too small to show):
        # the sums on disk hold it, so they cannot be used.
        reads = answer_reads(services.db)
        closed, _running = await services.analysis.waves(pilot_id, NOW)
        fewer = await services.analysis.aggregates(pilot_id, closed[:-1])
        assert passes_over_every_answer(reads) == 1
        last = (closed[-1].module, closed[-1].period)
        assert fewer == aggregate_observations([o for o in observations if stored_as(o) != last])
    finally:
        await services.db.close()


def prompt_counts_read_after(db: Database) -> list[str]:
    """From now on, the period after which each count of the prompts by wave starts."""
    afters: list[str] = []
    read = db.fetch_all

    async def recorded(sql: str, parameters: tuple = ()) -> list:
        if "FROM checkin_prompts" in sql and "GROUP BY period, module, status" in sql:
            afters.append(parameters[1])
        return await read(sql, parameters)

    db.fetch_all = recorded
    return afters


async def counted_afresh(db: Database, pilot_id: int, waves: Sequence[WaveStatus]) -> list[tuple]:
    """These waves' (module, period, closes_at, prompted, answered), counted over every prompt."""
    rows = await db.fetch_all(
        "SELECT module, period, MAX(closes_at), COUNT(*), SUM(status = 'answered') "
        "FROM checkin_prompts WHERE pilot_id = ? GROUP BY period, module ORDER BY period, module",
        (pilot_id,),
    )
    counted = {(row[0], row[1]): tuple(row) for row in rows}
    return [counted[wave.module, wave.period] for wave in waves]


def counts_of(waves: Sequence[WaveStatus]) -> list[tuple]:
    return [(w.module, w.period, w.closes_at, w.prompted, w.answered) for w in waves]


async def test_closed_waves_are_kept_on_disk_and_an_erasure_is_subtracted(tmp_path: Path) -> None:
    observations = load_observations(SYNTHETIC)
    last_week = _last_week(observations)
    services, pilot_id = await stored_pilot(tmp_path, observations, frozenset({last_week}))
    # A second member prompted in every wave, answering each: the one erased below.
    erased = sorted({o.member for o in observations})[1]
    async with services.db.transaction():
        await services.db.execute(
            "INSERT INTO checkin_prompts (pilot_id, pseudonym, module, period, script, state, "
            "status, prompted_at, closes_at) SELECT pilot_id, ?, module, period, script, "
            "state, 'answered', prompted_at, closes_at FROM checkin_prompts",
            (erased,),
        )
    closed, _running = await services.analysis.waves(pilot_id, NOW)
    await services.db.close()

    # A restart counts only the prompts after the kept run (up to the week still open).
    run_end = max(wave.period for wave in closed if wave.period < last_week)
    services = await started(tmp_path)
    try:
        afters = prompt_counts_read_after(services.db)
        again, running = await services.analysis.waves(pilot_id, NOW)
        assert again == closed
        assert afters == [run_end]
        assert [wave.period for wave in running] == [last_week]
        assert counts_of(again) == await counted_afresh(services.db, pilot_id, again)

        # An erasure: the kept counts lose the member's prompts in the same transaction,
        # and the waves after the run are all that is counted again.
        async with services.db.transaction():
            await services.personal_data.erase(erased)
        afters.clear()
        after, _running = await services.analysis.waves(pilot_id, NOW)
        assert afters == [run_end]
        assert counts_of(after) == await counted_afresh(services.db, pilot_id, after)
        assert [w.answered for w in after] == [w.answered - 1 for w in closed]
    finally:
        await services.db.close()
