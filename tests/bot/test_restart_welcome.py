"""SIGKILL around the last onboarding press: one welcome, the prompt edited, never two (#8.7).

The welcome is an edit of the pressed group prompt. A reply is at least once (sent again
after a crash if its row was not yet deleted), so the welcome must be an edit on every
path: sent again, it is Telegram's "message is not modified", not a second message.
"""

from __future__ import annotations

import subprocess
from contextlib import ExitStack
from pathlib import Path

from bot.demo.participants import Participant, invite_code
from bot.i18n import translator
from sandbox.core import Sandbox
from sandbox.testing import running_server

from .conftest import TOKEN
from .test_restart import STARTUP_TIMEOUT, bot_environment, bot_process, count, kill_hard

THANKS = translator("fi")("Thank you, you are now part of “{pilot}”!").format(pilot="Laitila")


def _welcomes(member: Participant) -> list[dict]:
    return [m for m in member.messages if m.get("text", "").startswith(THANKS)]


async def _killed_at_the_last_press(tmp_path: Path, fault: tuple[str, dict]) -> None:
    """Onboard a member; let `fault` hold the bot just after the group press; kill; restart.

    Asserts one welcome, in place of the group prompt, and the member's menu set.
    """
    sandbox = Sandbox(token=TOKEN, bot_username="seroi_test_bot")
    db = tmp_path / "seroi.db"
    admin = Participant.create(sandbox, "Anna", "en", bot_db=db)
    member = Participant.create(sandbox, "Aino", "fi", bot_db=db)
    log = tmp_path / "bot.log"
    with running_server(sandbox) as server, ExitStack() as processes:

        async def start() -> subprocess.Popen:
            process = processes.enter_context(
                bot_process(bot_environment(server, db, admin), tmp_path, log)
            )
            await sandbox.wait_for_async(lambda: sandbox.is_polling, STARTUP_TIMEOUT)
            return process

        first = await start()
        await admin.command("newpilot", "Laitila")
        [invite] = await admin.command("invite", "member")
        await member.command("start", invite_code(invite))
        await member.press("lang", "fi")
        await member.press("notice")
        # Workshops only: no check-in questions follow, so the group is the last press.
        await member.press("consent", "workshops")
        await member.press("consented")
        prompt, button = member.find_button("group", "resident")

        method, options = fault
        sandbox.faults.once(method, "timeout", delay=60, **options)
        sandbox.press_button(member.user, prompt, button["callback_data"])
        await sandbox.wait_for_async(
            lambda: (
                any(call.fault == "timeout" for call in sandbox.calls(method))
                and count(db, "SELECT COUNT(*) FROM members WHERE status = 'active'") == 1
            ),
            20,
        )
        kill_hard(first)
        await start()
        await sandbox.wait_for_async(
            lambda: (
                _welcomes(member)
                and not sandbox.pending_updates()
                and count(db, "SELECT COUNT(*) FROM outbox") == 0
            ),
            20,
        )

    [welcome] = _welcomes(member)
    assert welcome["message_id"] == prompt["message_id"]
    assert "reply_markup" not in welcome
    menu = sandbox.commands(scope={"type": "chat", "chat_id": member.user.id})
    assert "privacy" in [command["command"] for command in menu]
    assert "Traceback" not in log.read_text()


async def test_killed_after_the_press_was_stored_before_its_reply(tmp_path: Path) -> None:
    """Committed, not yet answered (the menu call hangs): the redelivered press is resumed."""
    await _killed_at_the_last_press(tmp_path, ("setMyCommands", {}))


async def test_killed_after_telegram_edited_before_the_row_was_deleted(tmp_path: Path) -> None:
    """The welcome edit reached Telegram, its answer did not: sent again, it changes nothing."""
    await _killed_at_the_last_press(tmp_path, ("editMessageText", {"happened": True}))


async def test_killed_while_the_welcome_waits_in_the_outbox(tmp_path: Path) -> None:
    """Stored, not sent: the restarted bot sends the stored edit."""
    await _killed_at_the_last_press(tmp_path, ("editMessageText", {}))
