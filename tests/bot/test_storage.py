"""Storage: migrations, exactly-once updates, invites, consents, erasure."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest

from bot.services import Services
from bot.settings import Settings
from bot.storage import db as db_module
from bot.storage.db import AlreadyProcessedError, Database, OutsideTransactionError, UpdateProgress
from bot.storage.repositories.invites import InviteProblem, hash_invite_code


@pytest.fixture
async def services(tmp_path):
    settings = Settings(
        _env_file=None,
        telegram_token="1:test",
        pseudonym_key="k" * 32,
        db_path=tmp_path / "seroi.db",
    )
    database = await Database.open(settings.db_path)
    yield Services(settings=settings, db=database)
    await database.close()


MIGRATIONS = Path(db_module.__file__).parent / "migrations"


async def test_migrations_are_applied_once(tmp_path, services) -> None:
    await services.db.migrate()
    row = await services.db.fetch_one("PRAGMA user_version")
    newest = max(int(path.name[:4]) for path in MIGRATIONS.glob("*.sql"))
    assert row[0] == newest
    reopened = await Database.open(tmp_path / "seroi.db")
    await reopened.close()


async def test_an_update_has_its_effect_once(services) -> None:
    async with services.db.transaction(update_id=42):
        pilot = await services.pilots.create("Laitila", controller="Leader Ravakka")
    with pytest.raises(AlreadyProcessedError):
        async with services.db.transaction(update_id=42):
            pass
    assert [p.id for p in await services.pilots.all()] == [pilot.id]


async def test_after_a_restart_redeliveries_are_recognised(tmp_path) -> None:
    database = await Database.open(tmp_path / "restart.db")
    async with database.transaction(update_id=42):
        pass
    async with database.transaction(update_id=43):
        pass
    await database.mark_answered(43)
    # Within one run ids only grow: a new id is not even looked up.
    assert await database.update_progress(44) is UpdateProgress.NEW
    await database.close()
    restarted = await Database.open(tmp_path / "restart.db")
    assert await restarted.update_progress(42) is UpdateProgress.APPLIED
    assert await restarted.update_progress(43) is UpdateProgress.ANSWERED
    assert await restarted.update_progress(44) is UpdateProgress.NEW
    await restarted.close()


async def test_a_failed_transaction_leaves_nothing_behind(services) -> None:
    async def crash_in_the_middle() -> None:
        async with services.db.transaction(update_id=7):
            await services.pilots.create("Rauma", controller="Leader Ravakka")
            raise RuntimeError("crash in the middle")

    with pytest.raises(RuntimeError):
        await crash_in_the_middle()
    assert await services.pilots.all() == []
    assert await services.db.update_progress(7) is UpdateProgress.NEW


async def test_invites_are_stored_hashed_and_limited(services) -> None:
    async with services.db.transaction():
        pilot = await services.pilots.create("Laitila", controller="Leader Ravakka")
        code, invite = await services.invites.create(pilot.id, "member", max_uses=1, days_valid=1)
    raw = sqlite3.connect(services.settings.db_path).execute("SELECT code_hash FROM invites")
    assert raw.fetchall() == [(hash_invite_code(code),)]
    assert (await services.invites.check(code)).id == invite.id
    async with services.db.transaction():
        assert await services.invites.use(invite.id)
        assert not await services.invites.use(invite.id)
    # Used up is the joiner's concern: someone rejoining its pilot may still come back by it.
    assert (await services.invites.check(code)).used_up
    assert await services.invites.check("no-such-code") is InviteProblem.UNKNOWN


async def test_expired_invite_is_refused(services) -> None:
    async with services.db.transaction():
        pilot = await services.pilots.create("Laitila", controller="Leader Ravakka")
        code, invite = await services.invites.create(pilot.id, "member", max_uses=5, days_valid=1)
        await services.db.execute(
            "UPDATE invites SET expires_at = '2000-01-01T00:00:00+00:00' WHERE id = ?",
            (invite.id,),
        )
    assert await services.invites.check(code) is InviteProblem.EXPIRED


async def test_slugs_stay_unique(services) -> None:
    async with services.db.transaction():
        first = await services.pilots.create("Laitila", controller="x")
        second = await services.pilots.create("Laitila", controller="x")
    assert (first.slug, second.slug) == ("laitila", "laitila-2")


async def test_erasure_removes_every_row_about_the_person(services) -> None:
    someone = services.pseudonym(123456789)
    async with services.db.transaction():
        pilot = await services.pilots.create("Laitila", controller="x")
        await services.people.ensure(someone, 123456789, "fi")
        await services.members.start_onboarding(pilot.id, someone)
        await services.roles.grant(pilot.id, someone, "member")
        await services.consents.record(pilot, someone, {"checkins": True}, "fi")
        await services.audit.add("joined", actor=someone, pilot_id=pilot.id)
    exported = await services.personal_data.export(someone)
    assert {table: len(rows) for table, rows in exported.items()} == {
        "people": 1,
        "contacts": 1,
        "members": 1,
        "roles": 1,
        "consents": 1,
        "audit_log": 1,
        "map_edits": 0,
        "impact_map_versions": 0,
        "analysis_sums": 0,
        "checkin_answers": 0,
        "checkin_prompts": 0,
        "checkin_due": 0,
        "checkin_settings": 0,
        "proposals": 0,
        "dots": 0,
        "supports": 0,
        "poll_votes": 0,
        "open_answers": 0,
        "question_votes": 0,
        "workshop_attendance": 0,
        "workshops_facilitated": 0,
        "digest_subscribers": 0,
        "digests_sent": 0,
    }
    async with services.db.transaction():
        await services.personal_data.erase(someone)
    exported = await services.personal_data.export(someone)
    assert all(rows == [] for rows in exported.values())
    dump = "\n".join(sqlite3.connect(services.settings.db_path).iterdump())
    assert someone not in dump
    assert "123456789" not in dump


async def test_standing_is_the_person_in_their_current_pilot_only(services) -> None:
    someone = services.pseudonym(123456789)
    assert await services.people.standing(someone) is None
    async with services.db.transaction():
        laitila = await services.pilots.create("Laitila", controller="x")
        rauma = await services.pilots.create("Rauma", controller="x")
        await services.people.ensure(someone, 123456789, "sv")
    standing = await services.people.standing(someone)
    assert (standing.person.language, standing.roles, standing.member) == ("sv", frozenset(), None)
    async with services.db.transaction():
        for pilot, roles in ((laitila, ("member", "facilitator")), (rauma, ("coordinator",))):
            await services.members.start_onboarding(pilot.id, someone)
            for role in roles:
                await services.roles.grant(pilot.id, someone, role)
        await services.members.set_onboarding_state(laitila.id, someone, '{"script":"onboarding"}')
        await services.people.set_current_pilot(someone, laitila.id)
    standing = await services.people.standing(someone)
    assert standing.roles == {"member", "facilitator"}
    assert standing.member == await services.members.get(laitila.id, someone)
    assert standing.member.onboarding_state == '{"script":"onboarding"}'


def test_pseudonyms_are_keyed_and_stable(services) -> None:
    assert services.pseudonym(5) == services.pseudonym(5)
    assert services.pseudonym(5) != services.pseudonym(6)
    assert len(services.pseudonym(5)) == 64


async def test_update_ids_older_than_telegram_keeps_updates_are_forgotten(tmp_path) -> None:
    database = await Database.open(tmp_path / "old.db")
    async with database.transaction():
        await database.execute(
            "INSERT INTO processed_updates (update_id, processed_at) "
            "VALUES (1, '2020-01-01T00:00:00+00:00')"
        )
    await database.mark_answered(2)
    await database.close()
    reopened = await Database.open(tmp_path / "old.db")
    assert await reopened.update_progress(1) is UpdateProgress.NEW
    assert await reopened.update_progress(2) is UpdateProgress.ANSWERED
    await reopened.close()


async def recorded_updates(services) -> list[int]:
    rows = await services.db.fetch_all("SELECT update_id FROM processed_updates ORDER BY 1")
    return [row["update_id"] for row in rows]


async def test_a_one_statement_update_has_its_effect_once(services) -> None:
    """`atomic` with an update id: applied and recorded together; a redelivery changes nothing."""
    await services.db.atomic(
        "INSERT INTO people (pseudonym, language, created_at) VALUES ('p1', 'fi', '')",
        update_id=51,
    )
    assert await recorded_updates(services) == [51]
    with pytest.raises(AlreadyProcessedError):
        await services.db.atomic("UPDATE people SET language = 'sv'", update_id=51)

    async def again_in_a_transaction() -> None:
        async with services.db.transaction(update_id=51):
            await services.people.set_language("p1", "it")

    with pytest.raises(AlreadyProcessedError):
        await again_in_a_transaction()
    rows = await services.db.fetch_all("SELECT language FROM people")
    assert [row["language"] for row in rows] == ["fi"]


async def test_a_transaction_without_statements_still_records_its_update(services) -> None:
    async with services.db.transaction(update_id=61):
        pass
    assert await recorded_updates(services) == [61]


async def test_a_transaction_cancelled_at_its_first_statement_leaves_nothing_open(
    services,
) -> None:
    """BEGIN travels with the first statement: cancelled before the database ran it, the
    transaction must still end, or the next one could not begin."""
    busy = threading.Event()
    # Keep the writer's thread busy, so the first statement waits in its queue.
    services.db._queue_on_writer(lambda _connection: busy.wait(10))

    async def create() -> None:
        async with services.db.transaction(update_id=71):
            await services.pilots.create("Rauma", controller="Leader Ravakka")

    task = asyncio.create_task(create())
    await asyncio.sleep(0)  # the task runs until its first statement waits for the thread
    task.cancel()
    await asyncio.sleep(0)  # it ends its transaction while the statement still waits
    busy.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with services.db.transaction(update_id=72):
        await services.pilots.create("Laitila", controller="Leader Ravakka")
    assert [pilot.name for pilot in await services.pilots.all()] == ["Laitila"]
    assert await recorded_updates(services) == [72]


async def test_a_failed_commit_leaves_nothing_behind_and_the_next_transaction_works(
    services,
) -> None:
    """A COMMIT that fails (here a foreign key checked only then) rolls back on the spot,
    though the write lock has already passed on."""

    async def orphan_contact() -> None:
        async with services.db.transaction(update_id=81):
            await services.db.execute("PRAGMA defer_foreign_keys = ON")
            await services.db.execute(
                "INSERT INTO contacts (pseudonym, chat_id) VALUES ('nobody', 1)"
            )

    with pytest.raises(sqlite3.IntegrityError):
        await orphan_contact()
    async with services.db.transaction(update_id=82):
        await services.pilots.create("Laitila", controller="Leader Ravakka")
    assert await recorded_updates(services) == [82]
    assert await services.db.fetch_all("SELECT * FROM contacts") == []
    assert [pilot.name for pilot in await services.pilots.all()] == ["Laitila"]


async def test_a_write_outside_a_transaction_raises(services) -> None:
    with pytest.raises(OutsideTransactionError):
        await services.db.execute("DELETE FROM pilots")
    with pytest.raises(OutsideTransactionError):
        await services.people.set_language("someone", "fi")


async def test_a_concurrent_reader_never_sees_an_uncommitted_write(services) -> None:
    """Handlers of different chats run at once: one's open transaction is invisible to another."""
    inside, release = asyncio.Event(), asyncio.Event()

    async def writer() -> None:
        async with services.db.transaction():
            await services.pilots.create("Laitila", controller="x")
            assert len(await services.pilots.all()) == 1  # its own write, inside
            inside.set()
            await release.wait()
            raise RuntimeError("rolled back")

    task = asyncio.create_task(writer())
    await inside.wait()
    assert await services.pilots.all() == []
    release.set()
    with pytest.raises(RuntimeError):
        await task
    assert await services.pilots.all() == []


async def test_transactions_of_concurrent_tasks_never_interleave(services) -> None:
    async def join(number: int) -> None:
        async with services.db.transaction(update_id=number):
            await services.people.ensure(f"p{number}", number, None)
            await asyncio.sleep(0)  # let the others try to write meanwhile
            await services.people.set_language(f"p{number}", "sv")

    await asyncio.gather(*(join(number) for number in range(1, 41)))
    rows = await services.db.fetch_all("SELECT language FROM people")
    assert [row["language"] for row in rows] == ["sv"] * 40


def test_migration_numbers_are_unique() -> None:
    """Two files with one number: the second would never be applied."""
    numbers = [int(path.name[:4]) for path in MIGRATIONS.glob("*.sql")]
    assert len(numbers) == len(set(numbers))


async def test_a_pilot_s_waves_and_their_close_are_kept_from_its_prompts(tmp_path) -> None:
    """Waves of prompts from before migration 0020 and after it: each closes with its last."""
    path = tmp_path / "waves.db"
    connection = sqlite3.connect(path)
    for script in sorted(MIGRATIONS.glob("*.sql")):
        number = int(script.name[:4])
        if number < 20:
            connection.executescript(
                f"BEGIN;\n{script.read_text()}\nPRAGMA user_version = {number};\nCOMMIT;"
            )
    prompt = (
        "INSERT INTO checkin_prompts (pilot_id, pseudonym, module, period, script, state, "
        "prompted_at, closes_at) VALUES (1, ?, ?, ?, 'work_travel', '{}', '', ?)"
    )
    connection.execute(
        "INSERT INTO pilots (id, slug, name, controller, notice_version, created_at) "
        "VALUES (1, 'laitila', 'Laitila', 'Leader Ravakka', '2026-12', '')"
    )
    connection.executemany(
        "INSERT INTO people (pseudonym, language, created_at) VALUES (?, 'fi', '')",
        [("a",), ("b",), ("c",)],
    )
    connection.executemany(
        prompt,
        [("a", "weekly", "2026-11-30", "2026-12-13"), ("b", "weekly", "2026-11-30", "2026-12-14")],
    )
    connection.commit()
    connection.close()
    database = await Database.open(path)
    async with database.transaction():
        # A late joiner in a time zone further west: the wave closes with their prompt.
        await database.execute(prompt, ("c", "weekly", "2026-11-30", "2026-12-14T09:00"))
        await database.execute(prompt, ("c", "monthly", "2026-12", "2026-12-15"))
    rows = await database.fetch_all("SELECT * FROM checkin_waves ORDER BY module")
    await database.close()
    assert [tuple(row) for row in rows] == [
        (1, "monthly", "2026-12", "2026-12-15"),
        (1, "weekly", "2026-11-30", "2026-12-14T09:00"),
    ]


def _sizes(path: Path) -> tuple[int, int]:
    """The database file's size and its write-ahead log's (0 when there is none)."""
    log_file = Path(f"{path}-wal")
    return path.stat().st_size, log_file.stat().st_size if log_file.exists() else 0


async def test_the_log_is_copied_back_after_commits_not_inside_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The commit that fills the write-ahead log does not also pay for copying it into the
    database file (an fsync): a connection of its own does that soon after, and the log then
    starts over, so it stays about one burst of writes long."""
    monkeypatch.setattr(db_module, "CHECKPOINT_DELAY_SECONDS", 0.05)
    path = tmp_path / "log.db"
    database = await Database.open(path)
    rows = [(bytes(4000),)] * 1500  # well over SQLite's default 1,000-page autocheckpoint
    try:
        async with database.transaction():
            await database.execute("CREATE TABLE filler (data BLOB)")
        await asyncio.wait_for(database.log_copied_back(), 10)
        before, _log = _sizes(path)

        async with database.transaction():
            await database.executemany("INSERT INTO filler (data) VALUES (?)", rows)
        assert _sizes(path)[0] == before  # the COMMIT copied nothing back
        await asyncio.wait_for(database.log_copied_back(), 10)
        after_one, one_burst = _sizes(path)
        assert after_one > before + 1500 * 4000

        async with database.transaction():
            await database.executemany("INSERT INTO filler (data) VALUES (?)", rows)
        await asyncio.wait_for(database.log_copied_back(), 10)
        after_two, log_size = _sizes(path)
        assert after_two > after_one + 1500 * 4000
        assert log_size < 1.2 * one_burst  # the log started over
    finally:
        await database.close()
    assert _sizes(path)[1] == 0  # closing copies the rest back and removes the log
