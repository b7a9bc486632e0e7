"""A second `seroi-bot run` on the same database refuses to start; a crash leaves no lock."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import ExitStack
from pathlib import Path

from bot.demo.participants import Participant
from bot.storage.db import lock_path_of
from sandbox.core import Sandbox
from sandbox.testing import running_server

from .conftest import TOKEN
from .test_restart import ROOT, STARTUP_TIMEOUT, bot_environment, bot_process, kill_hard
from .test_startup_failures import run_bot, seroi_bot

EXAMPLE_MAP = ROOT / "examples" / "laitila_remote_work.yaml"


async def test_a_second_bot_is_refused_and_a_killed_one_leaves_no_lock(tmp_path: Path) -> None:
    sandbox = Sandbox(token=TOKEN, bot_username="seroi_test_bot")
    db = tmp_path / "seroi.db"
    admin = Participant.create(sandbox, "Anna", "en", bot_db=db)
    with running_server(sandbox) as server, ExitStack() as processes:
        env = bot_environment(server, db, admin)
        first = processes.enter_context(bot_process(env, tmp_path, tmp_path / "first.log"))
        await sandbox.wait_for_async(lambda: sandbox.is_polling, STARTUP_TIMEOUT)

        second = await asyncio.to_thread(run_bot, env, tmp_path)
        assert second.status == 2
        assert (
            f"another seroi-bot (process {first.pid}) is already running on the database {db}"
            in second.problem
        )
        assert first.poll() is None
        # The first one still answers.
        [reply] = await admin.command("newpilot", "Laitila")
        assert "Laitila" in reply["text"]

        # What only reads works while the bot runs: a report, and a look into the database.
        report = await asyncio.to_thread(
            seroi_bot, "report", env, tmp_path, str(EXAMPLE_MAP), "--out", "out", timeout=60
        )
        assert report.returncode == 0, report.stderr
        reader = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
        try:
            assert reader.execute("SELECT name FROM pilots").fetchall() == [("Laitila",)]
        finally:
            reader.close()

        # A crash ends the lock with the process: the next start is not refused.
        kill_hard(first)
        assert lock_path_of(db).exists()
        third = processes.enter_context(bot_process(env, tmp_path, tmp_path / "third.log"))
        await sandbox.wait_for_async(
            lambda: sandbox.is_polling and third.poll() is None, STARTUP_TIMEOUT
        )
        [reply] = await admin.command("pilots")
        buttons = [b["text"] for row in reply["reply_markup"]["inline_keyboard"] for b in row]
        assert any("Laitila" in text for text in buttons)
    assert "already running" not in (tmp_path / "third.log").read_text()
