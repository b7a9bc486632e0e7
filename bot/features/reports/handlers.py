"""/report and /export [pilot]: a pilot's documents for its coordinators, the pilot chosen by a
button when they coordinate several."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Message, Update
from telegram.constants import ChatAction

from bot.chat.callbacks import Press, id_argument
from bot.chat.caller import Caller
from bot.chat.commands import Button, Command
from bot.chat.context import BotContext
from bot.chat.pilot_choice import pilot_asked_for
from bot.chat.render import say, send_file, showing
from bot.features.reports import use_cases as use
from bot.i18n import N_
from bot.storage.models import Pilot

REPORT, EXPORT = "rep", "exp"

Build = Callable[[BotContext, Caller, Pilot], Awaitable[use.Documents]]


async def _build_report(context: BotContext, caller: Caller, pilot: Pilot) -> use.Documents:
    return await use.build_report(context.services, context.renderer, pilot, caller.language)


async def _build_export(context: BotContext, caller: Caller, pilot: Pilot) -> use.Documents:
    return await use.build_export(
        context.services, context.renderer, pilot, caller.pseudonym, caller.language
    )


BUILDERS: dict[str, Build] = {REPORT: _build_report, EXPORT: _build_export}


async def _command(context: BotContext, action: str, question: str) -> None:
    caller = context.caller
    pilots = await use.coordinated(context.services, caller.pseudonym)
    pilot = await pilot_asked_for(context, caller, pilots, action, question)
    if pilot is not None:
        await _send(context, caller, action, pilot)


async def report(update: Update, context: BotContext) -> None:
    """/report [pilot]: the pilot's SEROI+ report as a PDF and a workbook."""
    await _command(context, REPORT, context.caller._("Which pilot's report?"))


async def export(update: Update, context: BotContext) -> None:
    """/export [pilot]: the pilot's pseudonymised check-in data as a ZIP."""
    await _command(context, EXPORT, context.caller._("Which pilot's data?"))


async def on_choose(update: Update, context: BotContext, caller: Caller, press: Press) -> bool:
    """A pilot chosen for /report or /export; stale unless the caller still coordinates it."""
    pilot_id = id_argument(press.argument)
    pilots = await use.coordinated(context.services, caller.pseudonym)
    pilot = next((pilot for pilot in pilots if pilot.id == pilot_id), None)
    if pilot is None:
        return False
    await _send(context, caller, press.action, pilot, replacing=update.callback_query.message)
    return True


async def _send(
    context: BotContext,
    caller: Caller,
    action: str,
    pilot: Pilot,
    *,
    replacing: Message | None = None,
) -> None:
    """The documents' text, then the documents; "sending a file…" shown while they are built."""
    async with showing(context, caller.chat_id, ChatAction.UPLOAD_DOCUMENT):
        documents = await BUILDERS[action](context, caller, pilot)
    await say(context, caller, documents.text, replacing=replacing)
    for document in documents.documents:
        await send_file(
            context,
            caller,
            "document",
            document.data,
            filename=document.filename,
            caption=document.caption,
        )


COMMANDS = (
    Command("report", "coordinator", N_("The pilot's SEROI+ report: PDF and workbook"), report),
    Command("export", "coordinator", N_("The pilot's pseudonymised data as a ZIP"), export),
)
BUTTONS = (Button(REPORT, "coordinator", on_choose), Button(EXPORT, "coordinator", on_choose))
