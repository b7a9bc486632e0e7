"""Every inline button press: verify its signature and its row's role, then hand it on."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.chat import callbacks
from bot.chat.commands import Button, allows
from bot.chat.context import BotContext
from bot.chat.render import Answer, acknowledge

log = logging.getLogger(__name__)


def handlers(rows: Iterable[Button]) -> list[BaseHandler]:
    """The one callback query handler, routing each action to the row that declares it."""
    routes: dict[str, Button] = {row.action: row for row in rows}

    async def on_button(update: Update, context: BotContext) -> None:
        """Reject forged, stale or refused buttons with a short note; else hand the press on."""
        query = update.callback_query
        caller = context.caller
        try:
            if query.message is None:
                raise callbacks.InvalidCallbackError("button pressed outside a chat")
            # A private chat's buttons are signed for its person, a group's for the group.
            private = query.message.chat.type == "private"
            signer = caller.telegram_id if private else query.message.chat.id
            press = callbacks.decode(context.services.button_key, signer, query.data)
        except callbacks.InvalidCallbackError as error:
            log.warning("rejected a button press: %s", error)
            await acknowledge(query, caller._("This button is not valid."), alert=True)
            return
        route = routes.get(press.action)
        if route is not None and not allows(caller.level, route.level):
            log.info("refused button %r to a caller at level %s", press.action, caller.level)
            await acknowledge(query, caller._("Sorry, that is not available to you."), alert=True)
            return
        try:
            handled = route is not None and await route.callback(update, context, caller, press)
        except callbacks.InvalidCallbackError as error:
            # Signed by us, yet an argument the handler cannot read (`pilot|999…9`).
            log.warning("rejected a button press: %s", error)
            await acknowledge(query, caller._("This button is not valid."), alert=True)
            return
        if isinstance(handled, Answer):
            await acknowledge(query, handled.text, alert=handled.alert, url=handled.url)
            return
        if handled:
            # Its replies wait in the outbox; the spinner stops now.
            await acknowledge(query)
            return
        log.info("stale or refused button %r", press)
        await acknowledge(query, caller._("This button is no longer active."))
        if private:
            await context.reprompt(caller)

    return [CallbackQueryHandler(on_button)]
