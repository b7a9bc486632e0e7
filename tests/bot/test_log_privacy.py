"""Nothing personal and no secret in the log, at DEBUG either.

`seroi-bot run` at SEROI_LOG_LEVEL=DEBUG (PTB then logs every call's parameters and
return values, whole updates, and httpx every URL, which holds the token) through a short
pilot: an admin makes a pilot and an invite, a person joins by the buttons, asks for
/help and writes a message. The whole log is then searched for the token, the key, the
people's Telegram ids, names, usernames and what they wrote.
"""

from __future__ import annotations

import asyncio
import logging
import re
import signal
from pathlib import Path

from bot.demo.participants import Participant, invite_code
from bot.logs import Redactor
from sandbox.core import Sandbox
from sandbox.testing import running_server

from .conftest import KEY, TOKEN
from .test_restart import STARTUP_TIMEOUT, bot_environment, bot_process

FREE_TEXT = "Terveisiä Kalannista, täällä Aino"


async def test_a_debug_log_holds_no_personal_data_and_no_secret(tmp_path: Path) -> None:
    sandbox = Sandbox(token=TOKEN, bot_username="seroi_test_bot")
    db = tmp_path / "seroi.db"
    admin = Participant.create(sandbox, "Annukka", "en", bot_db=db)
    member = Participant(
        sandbox,
        sandbox.add_user(
            "Ainomaija", language_code="fi", last_name="Virtanen", username="ainomaija_v"
        ),
        db,
    )
    log = tmp_path / "bot.log"
    with running_server(sandbox) as server:
        env = {**bot_environment(server, db, admin), "SEROI_LOG_LEVEL": "DEBUG"}
        with bot_process(env, tmp_path, log) as process:
            await sandbox.wait_for_async(lambda: sandbox.is_polling, STARTUP_TIMEOUT)
            await admin.command("newpilot", "Laitila")
            [invite] = await admin.command("invite", "member")
            code = invite_code(invite)
            await member.join(code, "fi", {"checkins", "wellbeing"}, "resident")
            await member.command("help")
            await member.say(FREE_TEXT)
            process.send_signal(signal.SIGTERM)
            assert await asyncio.to_thread(process.wait, 30) == 0

    written = log.read_text(encoding="utf-8")
    secret_part = TOKEN.split(":", 1)[1]
    for forbidden in (TOKEN, secret_part, KEY, code, FREE_TEXT, "Kalannista"):
        assert forbidden not in written, forbidden
    for person in (admin, member):
        user = person.user
        assert not re.search(rf"\b{user.id}\b", written), user.id
        assert user.first_name not in written
    assert "Virtanen" not in written
    assert "ainomaija_v" not in written
    # The scan means something only if DEBUG really logged calls, updates and URLs.
    assert "Calling Bot API endpoint `sendMessage`" in written
    assert "Call to Bot API endpoint `getUpdates` finished with return value" in written
    assert "HTTP Request: POST" in written
    assert "<secret>" in written


def test_an_unparsable_batch_and_a_traceback_are_logged_without_data_or_token() -> None:
    records: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(logging.Formatter().format(record))
    handler.addFilter(Redactor([TOKEN]))
    logger = logging.getLogger("test.log_privacy")
    logger.addHandler(handler)
    try:
        batch = [{"update_id": 1, "message": {"from": {"id": 4242424242, "first_name": "Aino"}}}]
        # What PTB logs at CRITICAL when it cannot parse a batch of updates.
        logger.critical("Error while parsing updates! Received data was %r", batch)
        try:
            raise RuntimeError(f"POST http://127.0.0.1/bot{TOKEN}/getMe failed")
        except RuntimeError:
            logger.exception("call failed for %s", "getMe")
    finally:
        logger.removeHandler(handler)
    assert records[0] == "Error while parsing updates! Received data was <list withheld>"
    assert records[1].startswith("call failed for getMe\nTraceback")
    assert "bot<secret>/getMe failed" in records[1]
    assert not any(TOKEN in record or "4242424242" in record for record in records)
