"""Buttons and replies: signed inline keyboards, and sending that respects blocked contacts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
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
    context: BotContext, caller: Caller, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Send a message to the caller's chat, unless they blocked the bot."""
    if not await context.services.people.contact_active(caller.chat_id):
        return
    await context.bot.send_message(caller.chat_id, text, reply_markup=markup)


async def retire_keyboard(context: BotContext, chat_id: int, message_id: int) -> None:
    """Remove the buttons of an answered prompt so it cannot be pressed again."""
    try:
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
    except BadRequest as error:
        # Already without buttons (a repeated press): nothing to do.
        if "not modified" not in str(error).lower():
            raise


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
