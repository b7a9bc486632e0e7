"""SIGKILL the real bot process while a wave is due and mid-check-in; and a day's downtime."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path

from bot.demo.participants import Participant
from bot.services import Services
from bot.settings import Settings
from sandbox.core import Sandbox
from sandbox.testing import running_server

from .conftest import KEY, TOKEN
from .test_checkins_clock import HELSINKI, MONDAY
from .test_restart import STARTUP_TIMEOUT, bot_environment, bot_process, count, kill_hard

MEMBERS = 120
PROMPT = "Työ ja liikkuminen viime viikolla · 1/"


def seed_members(db: Path, people: list[Participant]) -> None:
    """Active members with the check-in consent (its trigger plans their check-ins)."""
    services = Services(
        settings=Settings(_env_file=None, telegram_token=TOKEN, pseudonym_key=KEY), db=None
    )
    now = "2026-11-01T00:00:00+00:00"
    connection = sqlite3.connect(db)
    with connection:
        for person in people:
            pseudonym = services.pseudonym(person.user.id)
            connection.execute(
                "INSERT INTO people (pseudonym, language, current_pilot_id, created_at) "
                "VALUES (?, 'fi', 1, ?)",
                (pseudonym, now),
            )
            connection.execute(
                "INSERT INTO contacts (pseudonym, chat_id) VALUES (?, ?)",
                (pseudonym, person.user.id),
            )
            connection.execute(
                "INSERT INTO members (pilot_id, pseudonym, status, joined_at, "
                "checkin_day, checkin_window) VALUES (1, ?, 'active', ?, 'mon', '08-11')",
                (pseudonym, now),
            )
            connection.execute(
                "INSERT INTO roles (pilot_id, pseudonym, role, granted_at) "
                "VALUES (1, ?, 'member', ?)",
                (pseudonym, now),
            )
            connection.execute(
                "INSERT INTO consents (pilot_id, pseudonym, purpose, granted, notice_version, "
                "language, recorded_at) VALUES (1, ?, 'checkins', 1, '2026-12', 'fi', ?)",
                (pseudonym, now),
            )
    connection.close()


def prompts_shown(person: Participant, title: str = PROMPT) -> int:
    """How many messages showed this check-in's first question (as first sent)."""
    sent = person.sandbox.calls("sendMessage")
    return sum(
        1
        for call in sent
        if call.ok
        and call.params.get("chat_id") == person.user.id
        and str(call.params.get("text", "")).startswith(title)
    )


async def test_sigkill_while_a_wave_is_due_and_mid_check_in(tmp_path: Path) -> None:
    sandbox = Sandbox(token=TOKEN, bot_username="seroi_test_bot")
    db = tmp_path / "seroi.db"
    clock = tmp_path / "clock.txt"
    clock.write_text((MONDAY - timedelta(hours=1)).isoformat())
    admin = Participant.create(sandbox, "Anna", "en", bot_db=db)
    people = [Participant.create(sandbox, f"Member{n}", "fi", bot_db=db) for n in range(MEMBERS)]
    aino = people[0]
    log = tmp_path / "bot.log"
    with running_server(sandbox) as server, ExitStack() as processes:
        env = bot_environment(server, db, admin)
        env |= {"SEROI_CLOCK_FILE": str(clock), "SEROI_TICK_SECONDS": "0.3"}

        async def start() -> subprocess.Popen:
            process = processes.enter_context(bot_process(env, tmp_path, log))
            await sandbox.wait_for_async(lambda: sandbox.is_polling, STARTUP_TIMEOUT)
            return process

        first = await start()
        await admin.command("newpilot", "Laitila")
        for person in people:  # each has opened the chat with the bot, as joining needs
            sandbox.command(person.user, "start")
        await sandbox.wait_for_async(lambda: all(len(p.messages) == 1 for p in people), 30)
        seed_members(db, people)

        # 1. The wave comes due; the bot dies while its prompts go out.
        clock.write_text((MONDAY + timedelta(hours=1)).isoformat())
        await sandbox.wait_for_async(lambda: sum(prompts_shown(p) > 0 for p in people) >= 10, 30)
        kill_hard(first)
        prompted_before_kill = {p.name for p in people if prompts_shown(p)}
        second = await start()
        await sandbox.wait_for_async(lambda: all(prompts_shown(p) >= 1 for p in people), 60)
        await sandbox.wait_for_async(lambda: count(db, "SELECT COUNT(*) FROM outbox") == 0, 30)
        doubled = {p.name for p in people if prompts_shown(p) > 1}
        assert count(db, "SELECT COUNT(*) FROM checkin_prompts") == MEMBERS
        # Only a prompt Telegram took before the kill but whose outbox row was not yet
        # deleted (the send, then its commit) comes again, and only once.
        assert max(prompts_shown(p) for p in people) <= 2
        assert doubled <= prompted_before_kill
        print(
            f"prompts sent before the kill: {len(prompted_before_kill)}; "
            f"sent again after the restart (sent, not yet committed): {len(doubled)}"
        )

        # 2. Halfway through a check-in: killed right after a tap.
        await aino.press("ck", "3")
        await aino.press("ck", "1")
        message, button = aino.find_button("ck", "0")
        sandbox.press_button(aino.user, message, button["callback_data"])
        kill_hard(second)
        third = await start()
        [resumed] = await aino.command("checkin")
        assert "4/5" in resumed["text"]  # the same question: the hub days answer kept, once
        [state] = (
            sqlite3.connect(db)
            .execute(
                "SELECT state FROM checkin_prompts p JOIN contacts c USING (pseudonym) "
                "WHERE c.chat_id = ?",
                (aino.user.id,),
            )
            .fetchone()
        )
        assert [entry["question"] for entry in json.loads(state)["path"]] == [
            "work_days",
            "home_days",
            "hub_days",
        ]
        await aino.press("ck", "car_driver")
        await aino.press("ck", "lt5")
        answers = count(db, "SELECT COUNT(*) FROM checkin_answers WHERE derived = 0")
        assert answers == 5

        # 3. Down for a day: next week's prompt and its reminder time both missed.
        kill_hard(third)
        clock.write_text(datetime(2026, 12, 8, 9, 30, tzinfo=HELSINKI).isoformat())
        before = {p.name: prompts_shown(p) for p in people}
        await start()
        await sandbox.wait_for_async(
            lambda: count(db, "SELECT COUNT(*) FROM checkin_prompts") == 2 * MEMBERS, 60
        )
        await sandbox.wait_for_async(
            lambda: all(prompts_shown(p) == before[p.name] + 1 for p in people), 60
        )
        await sandbox.wait_for_async(lambda: count(db, "SELECT COUNT(*) FROM outbox") == 0, 30)
        assert all(prompts_shown(p) == before[p.name] + 1 for p in people)  # once, coalesced
        reminders = [
            call
            for call in sandbox.calls("sendMessage")
            if str(call.params.get("text", "")).startswith("Muistutus")
        ]
        assert reminders == []  # the missed reminder time does not add a second message
        assert (
            count(db, "SELECT COUNT(*) FROM checkin_prompts WHERE status = 'closed'") == MEMBERS - 1
        )
    assert "Traceback" not in log.read_text()
