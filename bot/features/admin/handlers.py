"""Pilots, roles and invites: /newpilot (admins), /invite and /invites (coordinators), /pilots."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.chat.callbacks import Press
from bot.chat.caller import Caller, identify
from bot.chat.commands import ROLE_NAMES, Button, Command
from bot.chat.context import BotContext
from bot.chat.invite_card import invite_card
from bot.chat.menus import refresh_menu
from bot.chat.render import button, keyboard, say, send_file
from bot.features.admin import pilots as use
from bot.i18n import N_, format_day
from bot.storage.models import ROLES, Invite, Role

# /invites lists at most this many (one Revoke button each), the newest first.
LISTED_INVITES = 20
INVITE_USAGE = N_(
    "Usage: /invite member|facilitator|coordinator [uses 1–1000] [days 1–365], "
    "for example /invite member 50 14"
)


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
    created = await use.create_pilot(services, caller, name, controller, update.update_id)
    if isinstance(created, use.NameTaken):
        await say(
            context,
            caller,
            _(
                "There is a pilot called “{pilot}” already. To work in it, choose it with "
                "/pilots; for a new pilot, please choose another name."
            ).format(pilot=created.existing.name),
        )
        return
    await refresh_menu(context, await identify(services, update))
    await say(
        context,
        caller,
        _("Pilot “{pilot}” is ready. Invite its coordinator with /invite coordinator.").format(
            pilot=created.name
        ),
    )


def _role(caller: Caller, role: Role) -> str:
    return caller._(ROLE_NAMES[role])


def _expiry(context: BotContext, caller: Caller, invite: Invite) -> str:
    return format_day(invite.expires_at, caller.language, context.services.settings.timezone)


async def invite(update: Update, context: BotContext) -> None:
    """`/invite [member|facilitator|coordinator [uses] [days]]`: a deep link and a QR code.

    Without arguments, the three roles as buttons; a role pressed gets the usual limits.
    """
    caller = context.caller
    _ = caller._
    if caller.pilot is None:
        await say(context, caller, _("First choose a pilot with /pilots."))
        return
    if not context.args:
        rows = [
            [button(caller, context, _role(caller, role), "invite", f"{caller.pilot.id}:{role}")]
            for role in reversed(ROLES)
        ]
        text = _(
            "Whom do you want to invite to “{pilot}”? Choose a role: the invite gets the usual "
            "limits. To set them yourself: /invite member 50 14 (uses, days)."
        ).format(pilot=caller.pilot.name)
        await say(context, caller, text, keyboard(rows))
        return
    parsed = use.invite_arguments(context.args)
    if parsed is None:
        await say(context, caller, _(INVITE_USAGE))
        return
    role, uses, days = parsed
    made = await use.create_invite(context.services, caller, role, uses, days, update.update_id)
    await _send_card(context, caller, made)


async def _send_card(context: BotContext, caller: Caller, made: use.NewInvite) -> None:
    """The invite's QR card, with the link and its limits as the caption."""
    _ = caller._
    role = made.invite.role
    link = f"https://t.me/{context.bot.username}?start={made.code}"
    expires = _expiry(context, caller, made.invite)
    caption = _(
        "Invite to “{pilot}” as {role}: {link}\nUses: {uses}. Days valid: {days} (until {expires})."
    ).format(
        pilot=caller.pilot.name,
        role=_role(caller, role),
        link=link,
        uses=made.invite.max_uses,
        days=made.days,
        expires=expires,
    )
    details = [
        _("Role: {role}").format(role=_role(caller, role)),
        _("Valid until {expires}").format(expires=expires),
    ]
    card = invite_card(link, caller.pilot.name, details)
    filename = f"invite-{caller.pilot.slug}-{role}.png"
    await send_file(context, caller, "photo", card, filename=filename, caption=caption)


async def on_invite_press(
    update: Update, context: BotContext, caller: Caller, press: Press
) -> bool:
    """A role chosen for `/invite`: an invite with the usual limits, and what they are."""
    pilot_id, _sep, argument = press.argument.partition(":")
    role = use.invite_role(argument)
    if role is None or caller.pilot is None or str(caller.pilot.id) != pilot_id:
        return False  # the caller has moved to another pilot since the buttons were shown
    made = await use.create_invite(context.services, caller, role, None, None, update.update_id)
    text = caller._(
        "A {role} invite with the usual limits: uses {uses}, days valid {days}. "
        "For other limits: /invite {command} USES DAYS."
    ).format(role=_role(caller, role), uses=made.invite.max_uses, days=made.days, command=role)
    await say(context, caller, text, replacing=update.callback_query.message)
    await _send_card(context, caller, made)
    return True


def _invites_list(
    context: BotContext, caller: Caller, found: list[Invite], heading: str | None = None
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The text and Revoke buttons of /invites."""
    _ = caller._
    lines = [heading] if heading else []
    if not found:
        lines.append(
            _("“{pilot}” has no open invites. Create one with /invite.").format(
                pilot=caller.pilot.name
            )
        )
        return "\n\n".join(lines), None
    lines.append(_("Open invites to “{pilot}”:").format(pilot=caller.pilot.name))
    shown = found[:LISTED_INVITES]
    for number, invite in enumerate(shown, start=1):
        lines.append(
            _("{number}. {role}: used {uses}/{limit}, valid until {expires}").format(
                number=number,
                role=_role(caller, invite.role),
                uses=invite.uses,
                limit=invite.max_uses,
                expires=_expiry(context, caller, invite),
            )
        )
    if len(found) > len(shown):
        lines.append(
            _("(The newest {shown} of {count}.)").format(shown=len(shown), count=len(found))
        )
    rows = [
        [button(caller, context, _("Revoke {number}").format(number=n), "revoke", str(i.id))]
        for n, i in enumerate(shown, start=1)
    ]
    return "\n".join(lines), keyboard(rows)


async def invites(update: Update, context: BotContext) -> None:
    """The current pilot's open invites, each with a Revoke button."""
    caller = context.caller
    if caller.pilot is None:
        await say(context, caller, caller._("First choose a pilot with /pilots."))
        return
    found = await use.open_invites(context.services, caller)
    await say(context, caller, *_invites_list(context, caller, found))


async def on_revoke(update: Update, context: BotContext, caller: Caller, press: Press) -> bool:
    """Revoke one invite; the list is shown again in place. False if it is not open any more."""
    services = context.services
    revoked = await use.revoke_invite(services, caller, press.argument, update.update_id)
    if revoked is None:
        return False
    heading = caller._("Revoked: the {role} invite valid until {expires}.").format(
        role=_role(caller, revoked.role), expires=_expiry(context, caller, revoked)
    )
    text, markup = _invites_list(context, caller, await use.open_invites(services, caller), heading)
    await say(context, caller, text, markup, replacing=update.callback_query.message)
    return True


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
    Command("invites", "coordinator", N_("Open invites, to revoke one"), invites),
    Command("newpilot", "admin", N_("Create a new pilot"), newpilot),
)
BUTTONS = (
    Button("pilot", "member", on_press),
    Button("invite", "coordinator", on_invite_press),
    Button("revoke", "coordinator", on_revoke),
)
