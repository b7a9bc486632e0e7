"""The database knows its SEROI_PSEUDONYM_KEY: another key is refused, a rotation is on purpose.

Before, a bot started with another key found nobody (`/mydata`: "nothing stored") and
failed on every rejoin; now it refuses to start, and `seroi-bot rotate-key` moves every
pseudonym to a new key in one transaction.
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.demo.participants import Participant, invite_code, running_bot
from bot.pseudonym_keys import fingerprint
from bot.services import Services
from bot.settings import Settings
from sandbox.core import Sandbox
from sandbox.server import SandboxServer
from sandbox.testing import running_server

from .conftest import KEY, TOKEN, make_settings
from .test_restart import bot_environment
from .test_startup_failures import offline_environment, run_bot, seroi_bot

NEW_KEY = "a-new-pseudonym-key-9876543210"


@dataclass
class World:
    """A sandbox with an admin and a member, and the bot's database they were stored in."""

    sandbox: Sandbox
    server: SandboxServer
    db: Path
    admin: Participant
    member: Participant

    def settings(self, key: str) -> Settings:
        settings = make_settings(
            self.db, self.admin.user.id, self.server.base_url, self.server.base_file_url
        )
        return settings.model_copy(update={"pseudonym_key": SecretStr(key)})

    @asynccontextmanager
    async def bot(self, key: str) -> AsyncIterator[None]:
        async with running_bot(self.settings(key)):
            yield

    def environment(self, key: str) -> dict[str, str]:
        return {**bot_environment(self.server, self.db, self.admin), "SEROI_PSEUDONYM_KEY": key}

    def pseudonym(self, person: Participant, key: str) -> str:
        return Services(settings=self.settings(key), db=None).pseudonym(person.user.id)

    def rows(self, sql: str) -> list[tuple]:
        connection = sqlite3.connect(self.db)
        try:
            return connection.execute(sql).fetchall()
        finally:
            connection.close()

    def every_text_value(self) -> set[str]:
        """Every text stored in any column of any table (as an auditor would search)."""
        values = set()
        for (table,) in self.rows("SELECT name FROM sqlite_master WHERE type = 'table'"):
            for row in self.rows(f'SELECT * FROM "{table}"'):
                values |= {value for value in row if isinstance(value, str)}
        return values


@contextmanager
def sandbox_world(tmp_path: Path) -> Iterator[World]:
    sandbox = Sandbox(token=TOKEN, bot_username="seroi_test_bot")
    db = tmp_path / "seroi.db"
    admin = Participant.create(sandbox, "Anna", "en", bot_db=db)
    member = Participant.create(sandbox, "Aino", "fi", bot_db=db)
    with running_server(sandbox) as server:
        yield World(sandbox, server, db, admin, member)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    """A pilot with a joined member, made by the bot under KEY; the bot stopped."""
    with sandbox_world(tmp_path) as made:
        async with made.bot(KEY):
            await made.admin.command("newpilot", "Laitila")
            [invite] = await made.admin.command("invite", "member")
            await made.member.join(invite_code(invite), "fi", {"checkins"}, "resident")
        yield made


def rotate(world: World, old: str, new: str) -> subprocess.CompletedProcess:
    env = {**world.environment(new), "SEROI_OLD_PSEUDONYM_KEY": old}
    return seroi_bot("rotate-key", env, world.db.parent)


async def test_the_database_stores_a_fingerprint_not_the_key(world: World) -> None:
    assert world.rows("SELECT fingerprint FROM pseudonym_key") == [(fingerprint(SecretStr(KEY)),)]
    assert not any(KEY in value for value in world.every_text_value())


async def test_another_key_is_refused_and_changes_nothing(world: World) -> None:
    people = world.rows("SELECT * FROM people ORDER BY pseudonym")
    outcome = await asyncio.to_thread(run_bot, world.environment(NEW_KEY), world.db.parent)
    assert outcome.status == 2
    assert "SEROI_PSEUDONYM_KEY is not the key the database" in outcome.problem
    assert "seroi-bot rotate-key" in outcome.problem
    assert world.rows("SELECT * FROM people ORDER BY pseudonym") == people


async def test_a_database_from_before_fingerprints_is_checked_against_its_contacts(
    world: World,
) -> None:
    # What a database made before this change looks like once migrated: no fingerprint.
    connection = sqlite3.connect(world.db)
    with connection:
        connection.execute("DELETE FROM pseudonym_key")
    connection.close()

    outcome = await asyncio.to_thread(run_bot, world.environment(NEW_KEY), world.db.parent)
    assert outcome.status == 2
    assert "SEROI_PSEUDONYM_KEY is not the key" in outcome.problem
    assert world.rows("SELECT COUNT(*) FROM pseudonym_key") == [(0,)]

    async with world.bot(KEY):
        _summary, reply = await world.member.command("mydata", replies=2)
        assert reply["document"]["file_name"] == "my-data.json"
    assert world.rows("SELECT fingerprint FROM pseudonym_key") == [(fingerprint(SecretStr(KEY)),)]


async def test_rotate_key_moves_everyone_to_the_new_key(world: World) -> None:
    old = {world.pseudonym(p, KEY) for p in (world.admin, world.member)}
    new = {world.pseudonym(p, NEW_KEY) for p in (world.admin, world.member)}
    assert old <= world.every_text_value()
    assert world.rows("SELECT COUNT(*) FROM audit_log WHERE actor IS NOT NULL")[0][0] >= 2

    rotated = await asyncio.to_thread(rotate, world, KEY, NEW_KEY)
    assert rotated.returncode == 0, rotated.stderr
    assert "the pseudonyms of 2 people now use the new SEROI_PSEUDONYM_KEY" in rotated.stdout

    stored = world.every_text_value()
    assert not old & stored
    assert new <= stored
    assert {actor for (actor,) in world.rows("SELECT actor FROM audit_log")} <= new
    assert world.rows("PRAGMA foreign_key_check") == []

    async with world.bot(NEW_KEY):
        _summary, reply = await world.member.command("mydata", replies=2)
        assert reply["document"]["file_name"] == "my-data.json"
        exported = world.sandbox.file(reply["document"]["file_id"]).data.decode()
        assert world.pseudonym(world.member, NEW_KEY) in exported
        [pilots] = await world.admin.command("pilots")
        assert "Laitila" in str(pilots["reply_markup"])

    outcome = await asyncio.to_thread(run_bot, world.environment(KEY), world.db.parent)
    assert outcome.status == 2
    assert "SEROI_PSEUDONYM_KEY is not the key" in outcome.problem


async def test_rotate_key_with_a_wrong_old_key_changes_nothing(world: World) -> None:
    before = world.every_text_value()
    rotated = await asyncio.to_thread(rotate, world, "not-the-key-of-this-database", NEW_KEY)
    assert rotated.returncode == 2
    assert rotated.stderr.strip() == (
        "seroi-bot: SEROI_OLD_PSEUDONYM_KEY is not the key this database was made with; "
        "nothing was changed"
    )
    assert world.every_text_value() == before


async def test_rotate_key_refuses_to_strand_a_person_it_cannot_recompute(world: World) -> None:
    # A contact known only by a group chat: its id is not the person's Telegram id.
    connection = sqlite3.connect(world.db)
    with connection:
        connection.execute(
            "UPDATE contacts SET chat_id = -1001234567890 WHERE pseudonym = ?",
            (world.pseudonym(world.member, KEY),),
        )
    connection.close()
    before = world.every_text_value()
    rotated = await asyncio.to_thread(rotate, world, KEY, NEW_KEY)
    assert rotated.returncode == 2
    assert "1 of 2 people have no private chat with the bot" in rotated.stderr
    assert "nothing was changed" in rotated.stderr
    assert world.every_text_value() == before


def test_rotate_key_without_the_old_key_says_how(tmp_path: Path) -> None:
    rotated = seroi_bot("rotate-key", offline_environment(tmp_path / "seroi.db"), tmp_path)
    assert rotated.returncode == 2
    assert rotated.stderr.startswith("seroi-bot: SEROI_OLD_PSEUDONYM_KEY is not set")
