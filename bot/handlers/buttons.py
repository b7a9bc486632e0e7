"""Every inline button press: verify its signature, then route it by action."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot import callbacks
from bot.handlers import admin, onboarding, privacy
from bot.render import acknowledge
from bot.services import BotContext, identify

log = logging.getLogger(__name__)

ROUTES = {
    **dict.fromkeys(onboarding.STEP_OF_ACTION, onboarding.on_press),
    **dict.fromkeys(("setlang", "erase", "keep", "rechoose"), privacy.on_press),
    "pilot": admin.on_press,
}


async def on_button(update: Update, context: BotContext) -> None:
    """Reject forged or stale buttons with a short note; otherwise hand the press on."""
    query = update.callback_query
    caller = await identify(context.services, update)
    try:
        if query.message is None or query.message.chat.type != "private":
            # Every button so far is shown in a private chat; one pressed elsewhere is forged.
            raise callbacks.InvalidCallbackError("button pressed outside a private chat")
        press = callbacks.decode(context.services.button_key, caller.telegram_id, query.data)
    except callbacks.InvalidCallbackError as error:
        log.warning("rejected a button press: %s", error)
        await acknowledge(query, caller._("This button is not valid."), alert=True)
        return
    route = ROUTES.get(press.action)
    if route is not None and await route(update, context, caller, press):
        await acknowledge(query)
        return
    log.info("stale or refused button %r", press)
    await acknowledge(query, caller._("This button is no longer active."))
    await onboarding.reprompt(context, caller)


def handlers() -> list[BaseHandler]:
    """The one callback query handler."""
    return [CallbackQueryHandler(on_button)]
