"""A real python-telegram-bot Application against the sandbox, over HTTP and in-process."""

from __future__ import annotations

import asyncio
import datetime as dt
import io

import httpx
import pytest
from PIL import Image
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import Forbidden, InvalidToken, RetryAfter, TimedOut
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from sandbox.core import Sandbox, SimUser
from sandbox.server import SandboxServer
from sandbox.testing import assert_no_unimplemented_calls
from tests.sandbox.helpers import in_process_application, start_polling, stop_polling


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Echo the text back with one button."""
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Again", callback_data="again")]])
    await update.message.reply_text(update.message.text, reply_markup=keyboard)


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the button and edit the message."""
    await update.callback_query.answer("Got it")
    await update.callback_query.edit_message_text(f"pressed {update.callback_query.data}")


def add_echo_handlers(app: Application) -> None:
    """The trivial bot under test."""
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(CallbackQueryHandler(pressed))


async def converse(sb: Sandbox, user: SimUser) -> None:
    """A message gets an echo; pressing its button reaches the handler."""
    sb.send_text(user, "Hei botti")
    reply = await sb.wait_for_bot_message_async(user.id, after_count=0)
    assert reply["text"] == "Hei botti"
    assert reply["chat"]["id"] == user.id
    query = sb.press_button(user, reply, text="Again")
    await sb.wait_for_async(lambda: sb.last_bot_message(user.id)["text"] == "pressed again")
    assert sb.callback_answer(query["id"])["text"] == "Got it"


async def test_echo_and_button_over_http(sb: Sandbox, aino: SimUser, polling_app: Application):
    add_echo_handlers(polling_app)
    await start_polling(polling_app)
    await converse(sb, aino)
    assert_no_unimplemented_calls(sb)
    assert [c.method for c in sb.outbox[:2]] == ["getMe", "deleteWebhook"]


async def test_echo_and_button_in_process(sb: Sandbox, aino: SimUser):
    app = in_process_application(sb)
    add_echo_handlers(app)
    await start_polling(app)
    try:
        await converse(sb, aino)
    finally:
        await stop_polling(app)
    assert_no_unimplemented_calls(sb)


def chart_png() -> bytes:
    """A real 1080×720 PNG."""
    buffer = io.BytesIO()
    Image.new("RGB", (1080, 720), (30, 120, 60)).save(buffer, format="PNG")
    return buffer.getvalue()


async def test_photo_upload_round_trips_over_http(
    sb: Sandbox, aino: SimUser, polling_app: Application
):
    await polling_app.initialize()
    data = chart_png()
    message = await polling_app.bot.send_photo(aino.id, data, caption="Chart", filename="c.png")
    assert (message.photo[-1].width, message.photo[-1].height) == (1080, 720)
    file = await polling_app.bot.get_file(message.photo[-1].file_id)
    assert file.file_path.startswith(sb_server_prefix(polling_app))
    downloaded = await file.download_as_bytearray()
    assert bytes(downloaded) == data
    assert sb.transcript[-1] == "bot → Aino: [photo 1080×720 c.png] Chart"
    await polling_app.shutdown()


def sb_server_prefix(app: Application) -> str:
    """Where PTB will download files from."""
    return app.bot.base_file_url


async def test_second_concurrent_get_updates_gets_409(
    sb: Sandbox, server: SandboxServer, polling_app: Application
):
    await start_polling(polling_app)
    await asyncio.to_thread(sb.wait_for, lambda: sb.is_polling, 3)
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{server.base_url}{sb.token}/getUpdates")
    assert response.status_code == 409
    assert response.json()["description"].startswith("Conflict: terminated by other getUpdates")


async def test_429_is_retry_after_and_403_is_forbidden(
    sb: Sandbox, aino: SimUser, polling_app: Application
):
    await polling_app.initialize()
    sb.faults.once("sendMessage", "429", retry_after=1)
    with pytest.raises(RetryAfter) as caught:
        await polling_app.bot.send_message(aino.id, "hi")
    assert caught.value.retry_after in (1, dt.timedelta(seconds=1))
    sb.faults.once("sendMessage", "403")
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await polling_app.bot.send_message(aino.id, "hi")
    assert sb.bot_messages(aino.id) == []
    assert [c.fault for c in sb.calls("sendMessage")] == ["429", "403"]
    await polling_app.shutdown()


async def test_rate_limiter_retries_a_429(sb: Sandbox, aino: SimUser, server: SandboxServer):
    from telegram.ext import AIORateLimiter, ApplicationBuilder

    app = (
        ApplicationBuilder()
        .token(sb.token)
        .base_url(server.base_url)
        .base_file_url(server.base_file_url)
        .rate_limiter(AIORateLimiter(max_retries=1))
        .build()
    )
    await app.initialize()
    sb.faults.once("sendMessage", "429", retry_after=1)
    await app.bot.send_message(aino.id, "after retry")
    await app.shutdown()
    assert [c.ok for c in sb.calls("sendMessage")] == [False, True]
    assert sb.last_bot_message(aino.id)["text"] == "after retry"


async def test_unimplemented_method_is_404_and_recorded(
    sb: Sandbox, aino: SimUser, polling_app: Application
):
    await polling_app.initialize()
    with pytest.raises(InvalidToken):  # PTB reads 404 as InvalidToken, as with Telegram
        await polling_app.bot.send_dice(aino.id)
    assert [c.method for c in sb.unimplemented_calls] == ["sendDice"]
    with pytest.raises(AssertionError, match="sendDice"):
        assert_no_unimplemented_calls(sb)
    await polling_app.shutdown()


async def test_timeout_fault_is_timed_out_over_http(
    sb: Sandbox, aino: SimUser, polling_app: Application
):
    await polling_app.initialize()
    sb.faults.once("sendMessage", "timeout", delay=1.0)
    with pytest.raises(TimedOut):
        await polling_app.bot.send_message(aino.id, "slow", read_timeout=0.2)
    assert sb.bot_messages(aino.id) == []  # documented choice: the timed-out send did not happen
    await polling_app.shutdown()


async def test_timeout_fault_is_timed_out_in_process(sb: Sandbox, aino: SimUser):
    app = in_process_application(sb, read_timeout=0.2)
    await app.initialize()
    sb.faults.once("sendMessage", "timeout", delay=1.0, happened=True)
    with pytest.raises(TimedOut):
        await app.bot.send_message(aino.id, "slow")
    assert sb.last_bot_message(aino.id)["text"] == "slow"  # happened=True: done, answer lost
    await app.shutdown()
