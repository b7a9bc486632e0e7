"""Telegram tells the bot when a person blocks or unblocks it (`my_chat_member`)."""

from __future__ import annotations

import logging

from telegram import ChatMember, Update
from telegram.ext import BaseHandler, ChatMemberHandler

from bot.chat.context import BotContext

log = logging.getLogger(__name__)


async def blocked_or_unblocked(update: Update, context: BotContext) -> None:
    """Stop (or resume) messaging a person who blocked (or unblocked) the bot."""
    change = update.my_chat_member
    if change.chat.type != "private":
        return
    people = context.services.people
    async with context.services.db.transaction(update.update_id):
        if change.new_chat_member.status == ChatMember.BANNED:
            changed = await people.mark_blocked(change.chat.id)
        else:
            changed = await people.mark_unblocked(change.chat.id)
    if changed:
        log.info("a contact is now %s", change.new_chat_member.status)


def handlers() -> list[BaseHandler]:
    """The my_chat_member handler."""
    return [ChatMemberHandler(blocked_or_unblocked, ChatMemberHandler.MY_CHAT_MEMBER)]
