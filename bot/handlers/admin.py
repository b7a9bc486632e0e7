"""Pilots, roles and invites: /newpilot (admins), /invite (coordinators), /pilots."""

from __future__ import annotations

import io

import segno
from telegram import Update

from bot.callbacks import Press
from bot.commands import Button, Command
from bot.handlers.onboarding import ROLE_NAMES
from bot.i18n import N_
from bot.menus import refresh_menu
from bot.render import button, keyboard, say, send_file
from bot.services import BotContext, Caller, identify
from bot.storage.models import ROLES

DEFAULT_USES = {"member": 100, "facilitator": 1, "coordinator": 1}
MAX_USES = 1000


async def newpilot(update: Update, context: BotContext) -> None:
    """`/newpilot NAME [| CONTROLLER]`: create a pilot and make it the admin's current one."""
    services = context.services
    caller = await identify(services, update)
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
    async with services.db.transaction(update.update_id):
        pilot = await services.pilots.create(name, controller=controller)
        await services.people.ensure(caller.pseudonym, caller.chat_id, None)
        await services.people.set_current_pilot(caller.pseudonym, pilot.id)
        await services.audit.add("pilot created", actor=caller.pseudonym, pilot_id=pilot.id)
    await refresh_menu(context, await identify(services, update))
    await say(
        context,
        caller,
        _("Pilot “{pilot}” is ready. Invite its coordinator with /invite coordinator.").format(
            pilot=pilot.name
        ),
    )


def _invite_arguments(args: list[str]) -> tuple[str, int | None, int | None] | None:
    role = args[0].lower() if args else "member"
    numbers = args[1:3]
    if role not in ROLES or len(args) > 3 or not all(n.isdigit() for n in numbers):
        return None
    uses = int(numbers[0]) if numbers else None
    days = int(numbers[1]) if len(numbers) > 1 else None
    if (uses is not None and not 1 <= uses <= MAX_USES) or (
        days is not None and not 1 <= days <= 365
    ):
        return None
    return role, uses, days


async def invite(update: Update, context: BotContext) -> None:
    """`/invite member|facilitator|coordinator [uses] [days]`: a deep link and a QR code."""
    services = context.services
    caller = await identify(services, update)
    _ = caller._
    if caller.pilot is None:
        await say(context, caller, _("First choose a pilot with /pilots."))
        return
    parsed = _invite_arguments(context.args or [])
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
    uses = uses or DEFAULT_USES[role]
    days = days or services.settings.invite_days_valid
    async with services.db.transaction(update.update_id):
        code, created = await services.invites.create(caller.pilot.id, role, uses, days)
        await services.audit.add(
            "invite created",
            actor=caller.pseudonym,
            pilot_id=caller.pilot.id,
            detail=f"role={role} uses={uses} days={days}",
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
        uses=uses,
    )
    filename = f"invite-{caller.pilot.slug}-{role}.png"
    await send_file(context, caller, "photo", qr.getvalue(), filename=filename, caption=caption)


async def pilots(update: Update, context: BotContext) -> None:
    """List the caller's pilots with a button to switch between them."""
    services = context.services
    caller = await identify(services, update)
    _ = caller._
    found = (
        await services.pilots.all()
        if caller.is_admin
        else await services.pilots.of_person(caller.pseudonym)
    )
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
    services = context.services
    if press.action != "pilot" or not press.argument.isdigit():
        return False
    pilot = await services.pilots.by_id(int(press.argument))
    allowed = caller.is_admin or pilot in await services.pilots.of_person(caller.pseudonym)
    if pilot is None or not allowed:
        return False
    async with services.db.transaction(update.update_id):
        await services.people.ensure(caller.pseudonym, caller.chat_id, None)
        await services.people.set_current_pilot(caller.pseudonym, pilot.id)
    caller = await identify(services, update)
    await refresh_menu(context, caller)
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
