"""A start that cannot succeed: one plain line naming the setting, an exit within seconds.

Each case runs `seroi-bot run` as the operator would, as a separate process. Exit status
2 says "change something", 1 says "this may pass; try again later". Before the fix each
of these printed a traceback and then hung (the database's thread kept the process alive).
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.demo.participants import Participant
from bot.storage.db import Database
from sandbox.core import Sandbox
from sandbox.server import SandboxServer
from sandbox.testing import running_server

from .conftest import TOKEN
from .test_restart import ROOT, bot_environment

# Generous for a loaded 2-core machine; a failed start measures 0.5-6 s (a locked database
# is waited for 5 s first, an unreachable API retried for about 3 s).
FAILED_START_SECONDS = 20.0


@dataclass
class Outcome:
    """How `seroi-bot run` ended."""

    status: int
    stderr: str

    @property
    def problem(self) -> str:
        """The one line meant for the operator."""
        lines = [line for line in self.stderr.splitlines() if line.startswith("seroi-bot: ")]
        assert len(lines) == 1, self.stderr
        return lines[0]


def seroi_bot(
    command: str, env: dict[str, str], cwd: Path, *args: str, timeout: float = FAILED_START_SECONDS
) -> subprocess.CompletedProcess[str]:
    """`seroi-bot COMMAND ARGS…` as a separate process, until it exits by itself."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", command, *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_bot(env: dict[str, str], cwd: Path) -> Outcome:
    """`seroi-bot run` until it exits by itself (a hang fails the test at the time bound)."""
    finished = seroi_bot("run", env, cwd)
    outcome = Outcome(finished.returncode, finished.stderr)
    assert "Traceback" not in outcome.stderr, outcome.stderr
    assert " ERROR " not in outcome.stderr
    assert " CRITICAL " not in outcome.stderr
    return outcome


def offline_environment(db: Path) -> dict[str, str]:
    """Valid settings that never reach a Bot API (for what fails before that)."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "SEROI_TELEGRAM_TOKEN": TOKEN,
        "SEROI_PSEUDONYM_KEY": "a-long-enough-pseudonym-key",
        "SEROI_DB_PATH": str(db),
    }


@contextmanager
def sandbox_server() -> Iterator[tuple[SandboxServer, Participant]]:
    sandbox = Sandbox(token=TOKEN, bot_username="seroi_test_bot")
    admin = Participant.create(sandbox, "Anna", "en", bot_db=None)
    with running_server(sandbox) as server:
        yield server, admin


def closed_port() -> int:
    """A loopback port that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def read_only_folder(tmp_path: Path) -> Path:
    """A folder the bot may not create files in (root may write anywhere but in /sys)."""
    if os.geteuid() == 0:
        return Path("/sys")
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    return folder


async def test_a_locked_database_is_waited_for_then_exit_1(tmp_path: Path) -> None:
    db = tmp_path / "seroi.db"
    await (await Database.open(db)).close()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with sandbox_server() as (server, admin):
            outcome = run_bot(bot_environment(server, db, admin), tmp_path)
    finally:
        holder.close()
    assert outcome.status == 1
    assert f"the database {db} stayed locked" in outcome.problem
    assert "try again later" in outcome.problem


def test_a_missing_folder_names_the_setting_exit_2(tmp_path: Path) -> None:
    db = tmp_path / "no-such-folder" / "seroi.db"
    with sandbox_server() as (server, admin):
        outcome = run_bot(bot_environment(server, db, admin), tmp_path)
    assert outcome.status == 2
    assert f"the folder {db.parent} of the database does not exist" in outcome.problem
    assert f"check SEROI_DB_PATH={db}" in outcome.problem
    assert not db.parent.exists()


def test_a_read_only_folder_names_the_setting_exit_2(tmp_path: Path) -> None:
    db = read_only_folder(tmp_path) / "seroi.db"
    with sandbox_server() as (server, admin):
        outcome = run_bot(bot_environment(server, db, admin), tmp_path)
    assert outcome.status == 2
    assert f"may not write in the folder {db.parent}" in outcome.problem
    assert f"check SEROI_DB_PATH={db}" in outcome.problem


def test_a_file_that_is_not_a_database_is_left_alone_exit_2(tmp_path: Path) -> None:
    db = tmp_path / "notes.txt"
    db.write_text("shopping list: milk, bread\n" * 200, encoding="utf-8")
    with sandbox_server() as (server, admin):
        outcome = run_bot(bot_environment(server, db, admin), tmp_path)
    assert outcome.status == 2
    assert f"{db} is not a SQLite database" in outcome.problem
    assert "SEROI_DB_PATH" in outcome.problem
    assert db.read_text(encoding="utf-8").startswith("shopping list")


def test_an_invalid_token_is_named_not_printed_exit_2(tmp_path: Path) -> None:
    wrong = "7000000002:a-token-the-sandbox-does-not-know"
    with sandbox_server() as (server, admin):
        env = bot_environment(server, tmp_path / "seroi.db", admin)
        env["SEROI_TELEGRAM_TOKEN"] = wrong
        outcome = run_bot(env, tmp_path)
    assert outcome.status == 2
    assert "refused the token: check SEROI_TELEGRAM_TOKEN" in outcome.problem
    assert "a-token-the-sandbox-does-not-know" not in outcome.stderr


def test_an_unreachable_api_url_is_named_exit_1(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}/bot"
    with sandbox_server() as (server, admin):
        env = bot_environment(server, tmp_path / "seroi.db", admin)
    env["SEROI_TELEGRAM_API_URL"] = url
    outcome = run_bot(env, tmp_path)
    assert outcome.status == 1
    assert f"cannot reach the Bot API at SEROI_TELEGRAM_API_URL={url}" in outcome.problem


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("SEROI_ADMIN_IDS", "anna", "e.g. SEROI_ADMIN_IDS=111111111,222222222"),
        ("SEROI_PSEUDONYM_KEY", None, "SEROI_PSEUDONYM_KEY is not set"),
    ],
)
def test_a_wrong_setting_is_one_line_in_words_exit_2(
    tmp_path: Path, name: str, value: str | None, expected: str
) -> None:
    env = offline_environment(tmp_path / "seroi.db")
    if value is None:
        del env[name]
    else:
        env[name] = value
    outcome = run_bot(env, tmp_path)
    assert outcome.status == 2
    assert expected in outcome.problem
    assert not (tmp_path / "seroi.db").exists()
