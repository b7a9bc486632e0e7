"""Pilots, roles and invites: /newpilot (admins), /invite (coordinators), /pilots."""

from __future__ import annotations

import io

import segno
from telegram import Update

from bot.chat.callbacks import Press
from bot.chat.caller import Caller, identify
from bot.chat.commands import ROLE_NAMES, Button, Command
from bot.chat.context import BotContext
from bot.chat.menus import refresh_menu
from bot.chat.render import button, keyboard, say, send_file
from bot.features.admin import pilots as use
from bot.i18n import N_


async def newpilot(update: Update, context: BotContext) -> None:
    """`/newpilot NAME [| CONTROLLER]`: create a pilot and make it the admin's current one."""
    services = context.services
    caller = context.caller
    _ = caller._
    name, _bar, controller = " ".join(context.args).partition("|")
    name, controller = name.strip(), controller.strip() or services.settings.controller
    if not name or len(name) > 80 or len(controller) > 120:
        await say(
            context,
            caller,
            _(
                "Please give the pilot a name (and, if not the default, its data controller): "
                "/newpilot Laitila | Leader Ravakka"
            ),
        )
        return
    pilot = await use.create_pilot(services, caller, name, controller, update.update_id)
    await refresh_menu(context, await identify(services, update))
    await say(
        context,
        caller,
        _("Pilot “{pilot}” is ready. Invite its coordinator with /invite coordinator.").format(
            pilot=pilot.name
        ),
    )


async def invite(update: Update, context: BotContext) -> None:
    """`/invite member|facilitator|coordinator [uses] [days]`: a deep link and a QR code."""
    caller = context.caller
    _ = caller._
    if caller.pilot is None:
        await say(context, caller, _("First choose a pilot with /pilots."))
        return
    parsed = use.invite_arguments(context.args or [])
    if parsed is None:
        await say(
            context,
            caller,
            _(
                "Usage: /invite member|facilitator|coordinator [uses 1–1000] [days 1–365], "
                "for example /invite member 50 14"
            ),
        )
        return
    role, uses, days = parsed
    code, created = await use.create_invite(
        context.services, caller, role, uses, days, update.update_id
    )
    link = f"https://t.me/{context.bot.username}?start={code}"
    qr = io.BytesIO()
    segno.make(link, error="m").save(qr, kind="png", scale=12, border=4)
    caption = _(
        "Invite to “{pilot}” as {role}: {link}\nValid until {expires}; use limit {uses}."
    ).format(
        pilot=caller.pilot.name,
        role=_(ROLE_NAMES[role]),
        link=link,
        expires=created.expires_at[:10],
        uses=created.max_uses,
    )
    filename = f"invite-{caller.pilot.slug}-{role}.png"
    await send_file(context, caller, "photo", qr.getvalue(), filename=filename, caption=caption)


async def pilots(update: Update, context: BotContext) -> None:
    """List the caller's pilots with a button to switch between them."""
    caller = context.caller
    _ = caller._
    found = await use.pilots_of(context.services, caller)
    if not found:
        await say(context, caller, _("You are not in any pilot yet."))
        return
    rows = [
        [button(caller, context, ("✓ " if p == caller.pilot else "") + p.name, "pilot", str(p.id))]
        for p in found
    ]
    await say(context, caller, _("Which pilot do you want to work in?"), keyboard(rows))


async def on_press(update: Update, context: BotContext, caller: Caller, press: Press) -> bool:
    """Switch the current pilot; False when the caller may not."""
    pilot = await use.switch_pilot(context.services, caller, press.argument, update.update_id)
    if pilot is None:
        return False
    await refresh_menu(context, await identify(context.services, update))
    await say(
        context,
        caller,
        caller._("You are now working in “{pilot}”.").format(pilot=pilot.name),
        replacing=update.callback_query.message,
    )
    return True


COMMANDS = (
    Command("pilots", "member", N_("Switch between your pilots"), pilots),
    Command("invite", "coordinator", N_("Create an invite link and QR code"), invite),
    Command("newpilot", "admin", N_("Create a new pilot"), newpilot),
)
BUTTONS = (Button("pilot", "member", on_press),)
