"""Buttons and replies: signed inline keyboards, replies that can replace the prompt just
answered, files, and answering button presses.

Replies go through the outbox (`bot.outbox`): stored when the update has been handled,
then sent in order per chat.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any, Literal, NamedTuple

from telegram import (
    CallbackQuery,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from telegram.constants import ChatAction
from telegram.error import BadRequest, TelegramError

from bot.chat import callbacks
from bot.chat.caller import Caller
from bot.chat.context import BotContext
from bot.storage.models import ALBUM_SIZES, POLL_ROW, Reply


def button(
    caller: Caller, context: BotContext, text: str, action: str, argument: str = ""
) -> InlineKeyboardButton:
    """One inline button whose callback data is signed for this caller."""
    data = callbacks.encode(context.services.button_key, caller.telegram_id, action, argument)
    return InlineKeyboardButton(text, callback_data=data)


def group_button(
    context: BotContext, chat_id: int, text: str, action: str, argument: str = ""
) -> InlineKeyboardButton:
    """One inline button in a group, signed for the group (the handler checks who pressed)."""
    data = callbacks.encode_for_group(context.services.button_key, chat_id, action, argument)
    return InlineKeyboardButton(text, callback_data=data)


def link_button(text: str, url: str) -> InlineKeyboardButton:
    """One inline button that opens a link (a deep link into the private chat, say)."""
    return InlineKeyboardButton(text, url=url)


def keyboard(rows: Iterable[Sequence[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows of buttons."""
    return InlineKeyboardMarkup([list(row) for row in rows])


# Buttons under a message, or (ForceReply) the client opening a reply to it.
Markup = InlineKeyboardMarkup | ForceReply


def _markup(markup: Markup | None) -> dict:
    return {"reply_markup": markup.to_dict()} if markup is not None else {}


async def say(
    context: BotContext,
    caller: Caller,
    text: str,
    markup: Markup | None = None,
    *,
    replacing: Message | None = None,
) -> None:
    """Reply in the caller's private chat, or turn the prompt just answered into this reply.

    Replacing a prompt keeps the chat short on a phone and costs one call instead of two.
    """
    if replacing is None:
        await say_in(context, caller.chat_id, text, markup)
    else:
        params = {"text": text, "message_id": replacing.message_id, **_markup(markup)}
        await context.outbox.post(Reply(chat_id=caller.chat_id, kind="edit", params=params))


async def say_in(
    context: BotContext, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """A new message in a chat."""
    params = {"text": text, **_markup(markup)}
    await context.outbox.post(Reply(chat_id=chat_id, kind="send", params=params))


async def edit_in(
    context: BotContext,
    chat_id: int,
    message_id: int,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Change the text of a message of ours in a chat (sent anew if it can no longer be)."""
    params = {"text": text, "message_id": message_id, **_markup(markup)}
    await context.outbox.post(Reply(chat_id=chat_id, kind="edit", params=params))


async def show_keyboard(
    context: BotContext, caller: Caller, message: Message, markup: InlineKeyboardMarkup
) -> None:
    """Change only the buttons of a message (a toggle pressed)."""
    params = {"message_id": message.message_id, **_markup(markup)}
    await context.outbox.post(Reply(chat_id=caller.chat_id, kind="keyboard", params=params))


async def send_file(
    context: BotContext,
    caller: Caller,
    kind: Literal["photo", "document"],
    data: bytes,
    *,
    filename: str,
    caption: str,
) -> None:
    """A photo or a document, with a caption, in the caller's private chat."""
    params = {"filename": filename, "caption": caption}
    await context.outbox.post(Reply(chat_id=caller.chat_id, kind=kind, params=params, file=data))


async def send_album(
    context: BotContext,
    chat_id: int,
    photos: Sequence[tuple[str, bytes, str]],
) -> None:
    """Photos (filename, PNG, caption) as one album, or as a photo when there is only one.

    Telegram takes 2 to 10 photos in an album; more are sent as further albums.
    """
    for start in range(0, len(photos), 10):
        part = list(photos[start : start + 10])
        if len(part) == 1:
            [(filename, data, caption)] = part
            await send_file_in(context, chat_id, data, filename=filename, caption=caption)
            continue
        params = {
            ALBUM_SIZES: [len(data) for _name, data, _caption in part],
            "filenames": [filename for filename, _data, _caption in part],
            "captions": [caption for _name, _data, caption in part],
        }
        data = b"".join(data for _name, data, _caption in part)
        await context.outbox.post(Reply(chat_id=chat_id, kind="album", params=params, file=data))


class Answer(NamedTuple):
    """How a button's handler wants its press answered (instead of a silent answer)."""

    text: str | None = None
    url: str | None = None  # a t.me/<bot>?start=… deep link opens the private chat
    alert: bool = False


async def send_file_in(
    context: BotContext, chat_id: int, data: bytes, *, filename: str, caption: str
) -> None:
    """A photo with a caption in any chat the bot is in (a group's results chart)."""
    params = {"filename": filename, "caption": caption}
    await context.outbox.post(Reply(chat_id=chat_id, kind="photo", params=params, file=data))


async def send_poll(
    context: BotContext, chat_id: int, poll_id: int, params: dict[str, Any]
) -> None:
    """A native poll (sendPoll parameters); the outbox reports Telegram's id for `poll_id`."""
    reply = Reply(chat_id=chat_id, kind="poll", params={**params, POLL_ROW: poll_id})
    await context.outbox.post(reply)


async def stop_poll(context: BotContext, chat_id: int, message_id: int) -> None:
    """Close a native poll in a chat."""
    await context.outbox.post(
        Reply(chat_id=chat_id, kind="stop_poll", params={"message_id": message_id})
    )


async def acknowledge(
    query: CallbackQuery, text: str | None = None, *, alert: bool = False, url: str | None = None
) -> None:
    """Answer a button press (stops its spinner), unless Telegram no longer accepts an answer."""
    try:
        await query.answer(text, show_alert=alert, url=url)
    except BadRequest as error:
        # Answered already (a redelivery after a crash) or older than Telegram keeps it.
        if "query is too old" not in str(error).lower():
            raise


# Telegram shows a chat action for about 5 seconds: it is renewed before that.
ACTION_RENEWAL_SECONDS = 4.0


async def _keep_showing(context: BotContext, chat_id: int, action: ChatAction) -> None:
    while True:
        # Only a hint: a failure to show it must not stop the work it announces.
        with contextlib.suppress(TelegramError):
            await context.bot.send_chat_action(chat_id, action)
        await asyncio.sleep(ACTION_RENEWAL_SECONDS)


@contextlib.asynccontextmanager
async def showing(context: BotContext, chat_id: int, action: ChatAction) -> AsyncIterator[None]:
    """Telegram's "sending a file…" (or another action) in the chat while the block runs."""
    task = asyncio.create_task(_keep_showing(context, chat_id, action))
    try:
        yield
    finally:
        task.cancel()
