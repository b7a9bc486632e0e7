"""Coordinators' summaries in the chat: /summary (a pilot chosen by a button when there are
several) and /digest on|off."""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ChatAction

from bot.chat.callbacks import Press, id_argument
from bot.chat.caller import Caller
from bot.chat.commands import Button, Command
from bot.chat.context import BotContext
from bot.chat.pilot_choice import pilot_asked_for
from bot.chat.render import say, send_album, showing
from bot.features.summaries import digest, preparing
from bot.features.summaries.summary import build_summary, render_charts, summaries_of
from bot.i18n import N_
from bot.storage.models import Pilot

CHOOSE = "sum"


async def _coordinated(context: BotContext, caller: Caller) -> list[Pilot]:
    """The pilots whose summaries this person may see: every pilot for an admin."""
    if caller.is_admin:
        return await context.services.pilots.all()
    return await summaries_of(context.services).coordinated(caller.pseudonym)


async def summary(update: Update, context: BotContext) -> None:
    """/summary [pilot]: the pilot's summary, or buttons to choose one of several."""
    caller = context.caller
    pilots = await _coordinated(context, caller)
    question = caller._("Which pilot's summary?")
    pilot = await pilot_asked_for(context, caller, pilots, CHOOSE, question)
    if pilot is not None:
        await _send_summary(context, caller, pilot)


async def on_choose(update: Update, context: BotContext, caller: Caller, press: Press) -> bool:
    """A pilot chosen for /summary; refused (a stale button) unless the caller coordinates it."""
    pilot_id = id_argument(press.argument)
    pilot = next((p for p in await _coordinated(context, caller) if p.id == pilot_id), None)
    if pilot is None:
        return False
    await _send_summary(context, caller, pilot, replacing=update.callback_query.message)
    return True


async def _send_summary(
    context: BotContext, caller: Caller, pilot: Pilot, *, replacing: Message | None = None
) -> None:
    """The summary's text, then its charts as one album, "sending photo" shown meanwhile."""
    async with showing(context, caller.chat_id, ChatAction.UPLOAD_PHOTO):
        built = await build_summary(context.services, pilot, caller.language)
        pictures = await render_charts(context.renderer, built)
    await say(context, caller, built.text, replacing=replacing)
    if pictures:
        await send_album(context, caller.chat_id, [(name, png, "") for name, png in pictures])


async def digest_command(update: Update, context: BotContext) -> None:
    """/digest on|off: the weekly digest of the current pilot, after each wave closes."""
    caller = context.caller
    _ = caller._
    choice = " ".join(context.args or ()).strip().casefold()
    if choice not in ("on", "off") or caller.pilot is None:
        await say(
            context,
            caller,
            _(
                "Send /digest on to get, after each weekly wave closes, its response rate, "
                "the change since the week before and a chart; /digest off stops it."
            ),
        )
        return
    await digest.set_digest(context, caller.pilot.id, caller.pseudonym, choice == "on")
    if choice == "on":
        text = _("The weekly digest of {pilot} is on: it comes after the next wave closes.")
    else:
        text = _("The weekly digest of {pilot} is off.")
    await say(context, caller, text.format(pilot=caller.pilot.name))


COMMANDS = (
    Command("summary", "coordinator", N_("The pilot's summary and charts"), summary),
    Command(
        "digest", "coordinator", N_("A weekly digest after each wave: on or off"), digest_command
    ),
)
BUTTONS = (Button(CHOOSE, "coordinator", on_choose),)
# The tick's work (bot.scheduling): results are prepared first, as they run in the background.
DUE = (preparing.prepare_closed_waves, digest.send_due_digests)
# What must end before the database closes (bot.app).
ON_CLOSE = (preparing.finish_preparations,)
