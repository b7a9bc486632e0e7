"""Buttons and replies: signed inline keyboards, replies that can replace the prompt just
answered, and answering button presses."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable, Sequence

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import BadRequest

from bot import callbacks
from bot.services import BotContext, Caller


def button(
    caller: Caller, context: BotContext, text: str, action: str, argument: str = ""
) -> InlineKeyboardButton:
    """One inline button whose callback data is signed for this caller."""
    data = callbacks.encode(context.services.button_key, caller.telegram_id, action, argument)
    return InlineKeyboardButton(text, callback_data=data)


def keyboard(rows: Iterable[Sequence[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows of buttons."""
    return InlineKeyboardMarkup([list(row) for row in rows])


async def say(
    context: BotContext,
    caller: Caller,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    replacing: Message | None = None,
) -> None:
    """Reply in the caller's private chat, or turn the prompt just answered into this reply.

    Replacing a prompt keeps the chat short on a phone and costs one call instead of two.
    The caller has just written, so they have not blocked the bot; should they have, the
    403 ends the handler and `bot.errors` marks the contact inactive.
    """
    if replacing is None:
        await with_press_answered(
            context, context.bot.send_message(caller.chat_id, text, reply_markup=markup)
        )
    else:
        await with_press_answered(
            context,
            context.bot.edit_message_text(
                text, caller.chat_id, replacing.message_id, reply_markup=markup
            ),
        )


async def show_keyboard(
    context: BotContext, caller: Caller, message: Message, markup: InlineKeyboardMarkup
) -> None:
    """Change only the buttons of a message (a toggle pressed)."""
    await with_press_answered(
        context,
        context.bot.edit_message_reply_markup(
            caller.chat_id, message.message_id, reply_markup=markup
        ),
    )


async def with_press_answered(context: BotContext, reply: Awaitable[object]) -> None:
    """Send a reply; a press still unanswered is answered at the same time, not after it.

    The spinner on the pressed button then stops after one round trip, even when the
    reply itself waits for the rate limiter.
    """
    query = context.unanswered_press
    if query is None:
        await reply
        return
    context.unanswered_press = None
    await asyncio.gather(acknowledge(query), reply)


async def acknowledge(
    query: CallbackQuery, text: str | None = None, *, alert: bool = False
) -> None:
    """Answer a button press (stops its spinner), unless Telegram no longer accepts an answer."""
    try:
        await query.answer(text, show_alert=alert)
    except BadRequest as error:
        # Answered already (a redelivery after a crash) or older than Telegram keeps it.
        if "query is too old" not in str(error).lower():
            raise
