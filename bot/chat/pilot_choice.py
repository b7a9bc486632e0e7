"""Which pilot a coordinator's command is about: named in its argument, the only one, or
chosen with a button (/summary, /report, /export)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.chat.caller import Caller
from bot.chat.context import BotContext
from bot.chat.render import button, keyboard, say
from bot.storage.models import Pilot


async def pilot_asked_for(
    context: BotContext, caller: Caller, pilots: Sequence[Pilot], action: str, question: str
) -> Pilot | None:
    """The one pilot of `pilots` (the caller's) the command means, or None once it has replied.

    The argument names a pilot by short or full name; without one, the only pilot is
    meant, and several get a button each (signed `action`, the pilot's id) under `question`.
    A pilot that is not the caller's reads exactly like one that does not exist.
    """
    _ = caller._
    asked = " ".join(context.args or ()).strip()
    if asked:
        wanted = asked.casefold()
        pilots = [pilot for pilot in pilots if wanted in (pilot.slug, pilot.name.casefold())]
        if not pilots:
            await say(
                context, caller, _("You coordinate no pilot called “{name}”.").format(name=asked)
            )
            return None
    if not pilots:
        await say(context, caller, _("Sorry, that command is not available to you."))
        return None
    if len(pilots) > 1:
        rows = [[button(caller, context, pilot.name, action, str(pilot.id))] for pilot in pilots]
        await say(context, caller, question, keyboard(rows))
        return None
    return pilots[0]
