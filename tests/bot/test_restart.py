"""SIGKILL the real bot process in the middle of onboarding: nothing lost, nothing doubled."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, closing, contextmanager
from pathlib import Path

from bot.demo.participants import Participant, invite_code
from bot.i18n import translator
from sandbox.core import Sandbox
from sandbox.server import SandboxServer
from sandbox.testing import running_server

from .conftest import KEY, TOKEN

STARTUP_TIMEOUT = 30.0
ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def bot_process(env: dict[str, str], cwd: Path, log: Path) -> Iterator[subprocess.Popen]:
    """`seroi-bot run` as a separate process; killed hard if still alive at the end."""
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run"],
            env=env,
            cwd=cwd,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def kill_hard(process: subprocess.Popen) -> None:
    """SIGKILL: no shutdown handlers, no final getUpdates confirmation, no flush."""
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait(timeout=10) == -signal.SIGKILL


def count(db: Path, sql: str) -> int:
    connection = sqlite3.connect(db)
    try:
        return connection.execute(sql).fetchone()[0]
    finally:
        connection.close()


def shows(person: Participant, action: str, argument: str) -> bool:
    """Whether the person has a button for this action and value on screen."""
    try:
        person.find_button(action, argument)
    except LookupError:
        return False
    return True


def press_and_kill(person: Participant, process: subprocess.Popen, action: str, value: str) -> None:
    """Tap a button and kill the bot at once, before the person sees the answer."""
    message, button = person.find_button(action, value)
    person.sandbox.press_button(person.user, message, button["callback_data"])
    kill_hard(process)


def bot_environment(server: SandboxServer, db: Path, admin: Participant) -> dict[str, str]:
    """The settings of `seroi-bot run` against the sandbox, as environment variables."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "SEROI_TELEGRAM_TOKEN": TOKEN,
        "SEROI_TELEGRAM_API_URL": server.base_url,
        "SEROI_TELEGRAM_FILE_URL": server.base_file_url,
        "SEROI_DB_PATH": str(db),
        "SEROI_ADMIN_IDS": str(admin.user.id),
        "SEROI_PSEUDONYM_KEY": KEY,
        "SEROI_DEFAULT_LANGUAGE": "fi",
    }


async def test_sigkill_mid_onboarding_resumes_at_the_same_step(tmp_path: Path) -> None:
    """Killed at every kind of question, the new ones included: each answer counts once."""
    sandbox = Sandbox(token=TOKEN, bot_username="seroi_test_bot")
    db = tmp_path / "seroi.db"
    admin = Participant.create(sandbox, "Anna", "en", bot_db=db)
    member = Participant.create(sandbox, "Aino", "fi", bot_db=db)
    log = tmp_path / "bot.log"
    with running_server(sandbox) as server:
        env = bot_environment(server, db, admin)

        with ExitStack() as processes:

            async def start() -> subprocess.Popen:
                process = processes.enter_context(bot_process(env, tmp_path, log))
                await sandbox.wait_for_async(lambda: sandbox.is_polling, STARTUP_TIMEOUT)
                return process

            first = await start()
            await admin.command("newpilot", "Laitila")
            [invite] = await admin.command("invite", "member")
            await member.command("start", invite_code(invite))
            await member.press("lang", "fi")
            await member.press("notice")
            await member.press("consent", "checkins")
            kill_hard(first)

            # While the bot is down the member keeps tapping; Telegram queues the updates.
            message, button = member.find_button("consent", "wellbeing")
            sandbox.press_button(member.user, message, button["callback_data"])
            second = await start()
            await sandbox.wait_for_async(
                lambda: "☑" in member.find_button("consent", "wellbeing")[1]["text"], 20
            )
            await member.press("consented")

            # Killed right after each tap, before seeing the answer: the update is either
            # applied once or redelivered and applied then, never twice; the person is
            # shown the question they are at.
            press_and_kill(member, second, "group", "resident")
            third = await start()
            await sandbox.wait_for_async(lambda: shows(member, "distance_band", "15_29"), 20)
            await member.press("distance_band", "15_29")
            press_and_kill(member, third, "checkin_day", "wed")
            fourth = await start()
            await sandbox.wait_for_async(lambda: shows(member, "checkin_window", "14-17"), 20)
            press_and_kill(member, fourth, "checkin_window", "14-17")
            await start()
            await sandbox.wait_for_async(
                lambda: count(db, "SELECT COUNT(*) FROM members WHERE status = 'active'") == 1,
                20,
            )

    assert count(db, "SELECT COUNT(*) FROM people") == 2  # the admin and Aino
    assert count(db, "SELECT COUNT(*) FROM members") == 1
    with closing(sqlite3.connect(db)) as connection:
        answers = connection.execute(
            "SELECT stakeholder_group, distance_band, checkin_day, checkin_window, "
            "onboarding_state FROM members"
        ).fetchall()
    assert answers == [("resident", "15_29", "wed", "14-17", None)]
    assert count(db, "SELECT COUNT(*) FROM roles") == 1
    assert count(db, "SELECT uses FROM invites") == 1
    assert count(db, "SELECT COUNT(*) FROM consents") == 3
    assert count(db, "SELECT COUNT(*) FROM consents WHERE granted = 1") == 2
    thanks = translator("fi")("Thank you, you are now part of “{pilot}”!").format(pilot="Laitila")
    welcomes = [m for m in member.messages if m.get("text", "").startswith(thanks)]
    assert len(welcomes) <= 1  # none if the kill fell between the commit and the send
    assert "Traceback" not in log.read_text()


async def test_sigkill_while_forty_chats_press_at_once(tmp_path: Path) -> None:
    """Forty people press at the same moment; the bot dies mid-way and comes back.

    Every press moves its member on exactly once, each is answered at most once, and no
    chat gets its prompt more than once again (a press applied but not answered before
    the kill is answered by showing the step again).
    """
    sandbox = Sandbox(token=TOKEN, bot_username="seroi_test_bot")
    db = tmp_path / "seroi.db"
    admin = Participant.create(sandbox, "Anna", "en", bot_db=db)
    people = [Participant.create(sandbox, f"Member{n}", "fi", bot_db=db) for n in range(40)]
    log = tmp_path / "bot.log"
    with running_server(sandbox) as server, ExitStack() as processes:
        env = bot_environment(server, db, admin)

        async def start() -> subprocess.Popen:
            process = processes.enter_context(bot_process(env, tmp_path, log))
            await sandbox.wait_for_async(lambda: sandbox.is_polling, STARTUP_TIMEOUT)
            return process

        first = await start()
        await admin.command("newpilot", "Laitila")
        [invite] = await admin.command("invite", "member 40")
        for person in people:
            sandbox.command(person.user, "start", invite_code(invite))
        await sandbox.wait_for_async(lambda: all(len(p.messages) == 1 for p in people), 30)

        queries = []
        for person in people:
            message, button = person.find_button("lang", "sv")
            queries.append(sandbox.press_button(person.user, message, button["callback_data"]))
        answered = [
            lambda q=q: (sandbox.callback_answer(q["id"]) or {}).get("answered") for q in queries
        ]
        await sandbox.wait_for_async(lambda: sum(bool(a()) for a in answered) >= 5, 20)
        kill_hard(first)
        await start()
        await sandbox.wait_for_async(
            lambda: (
                count(
                    db,
                    "SELECT COUNT(*) FROM members "
                    "WHERE json_array_length(onboarding_state, '$.path') = 1",
                )
                == 40
            ),
            30,
        )
        await sandbox.wait_for_async(lambda: not sandbox.pending_updates(), 30)
        # Replies stored before the kill are sent by the restarted bot.
        await sandbox.wait_for_async(lambda: count(db, "SELECT COUNT(*) FROM outbox") == 0, 30)

    assert count(db, "SELECT COUNT(*) FROM people WHERE language = 'sv'") == 40
    assert count(db, "SELECT uses FROM invites") == 40
    successful_answers = [
        call.params["callback_query_id"] for call in sandbox.calls("answerCallbackQuery") if call.ok
    ]
    assert sorted(successful_answers) == sorted(q["id"] for q in queries)
    notice = translator("sv")("Continue")
    for person in people:
        assert 1 <= len(person.messages) <= 2
        assert notice in str(person.messages[-1]["reply_markup"])
    assert "Traceback" not in log.read_text()
