"""What the workshop's commands and buttons share: the group's workshop as its facilitator
may run it, deep links into a private chat, and buttons for the facilitator's own chat."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.chat import callbacks
from bot.chat.caller import Caller
from bot.chat.context import BotContext
from bot.chat.render import keyboard, say, say_in
from bot.features.workshops import sessions
from bot.i18n import N_, Translate, translator
from bot.storage.repositories.workshops import Workshop

MUTED = N_(
    "I may not write in the group of the workshop “{title}” now, so I did nothing there. "
    "Please let me send messages in the group again."
)


def args(update: Update) -> str:
    """What followed the command, as typed (spaces and `|` kept)."""
    parts = (update.message.text or "").split(maxsplit=1)
    return parts[1] if len(parts) == 2 else ""


def deep_link(context: BotContext, payload: str) -> str:
    """A link that opens the private chat with the bot and sends `/start <payload>`.

    A bot cannot write first to someone who has never started it, so a group's button
    that needs the private chat is this link.
    """
    return f"https://t.me/{context.bot.username}?start={payload}"


def join_link(context: BotContext, workshop: Workshop) -> str:
    """The workshop's invite to its pilot, as a deep link."""
    return deep_link(context, workshop.join_code)


def not_a_member(_: Translate, context: BotContext, workshop: Workshop) -> str:
    """Why someone outside the pilot cannot take part, and the way in."""
    return _(
        "This is for members of the pilot, who have agreed how their answers are used. "
        "Join first: {link}"
    ).format(link=join_link(context, workshop))


def moderation_keyboard(
    context: BotContext, chat_id: int, language: str, prefix: str, item_id: int
) -> InlineKeyboardMarkup:
    """Approve and Reject (actions `<prefix>ok`, `<prefix>no`) for the facilitator's chat.

    Signed for that chat, where they are shown: they are sent while someone else's
    update (a question or an answer written in private) is handled.
    """
    _ = translator(language)
    key = context.services.button_key
    return keyboard(
        [
            [
                InlineKeyboardButton(
                    _(label), callback_data=callbacks.encode(key, chat_id, action, str(item_id))
                )
                for label, action in ((N_("Approve"), f"{prefix}ok"), (N_("Reject"), f"{prefix}no"))
            ]
        ]
    )


async def show_decision(
    context: BotContext, caller: Caller, update: Update, approve: bool, text: str
) -> None:
    """The moderation message pressed becomes what was decided, without its buttons."""
    done = caller._("Approved: {text}") if approve else caller._("Rejected: {text}")
    await say(context, caller, done.format(text=text), replacing=update.callback_query.message)


async def workshop_or_say(
    context: BotContext, update: Update, *, muted_too: bool = False
) -> Workshop | None:
    """The group's workshop the caller may run, or a note saying why there is none to run.

    While the group does not let the bot write, the note goes to the caller in private
    (unless `muted_too`: the command has nothing to say in the group).
    """
    caller = context.caller
    workshop = await sessions.run_by(context.services, caller, update.effective_chat.id)
    if workshop is None:
        text = caller._(
            "There is no workshop of your pilot in this group. Start one with /workshop <title>."
        )
        await say_in(context, update.effective_chat.id, text)
        return None
    if workshop.muted and not muted_too:
        await say_in(context, caller.telegram_id, caller._(MUTED).format(title=workshop.title))
        return None
    return workshop
