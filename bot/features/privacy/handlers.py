"""The member's rights in chat: /privacy, /mydata, /delete, /withdraw, /language."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, TypeHandler

from bot.chat.callbacks import Press
from bot.chat.caller import Caller
from bot.chat.commands import ROLE_NAMES, Button, Command
from bot.chat.context import BotContext
from bot.chat.labels import CONSENT_LABELS, GROUP_LABELS
from bot.chat.menus import refresh_menu
from bot.chat.render import button, keyboard, say, send_file
from bot.features.privacy import rights
from bot.i18n import LANGUAGE_NAMES, N_, Translate, local_date
from bot.settings import LANGUAGES
from bot.storage.repositories.pilots import NOTICE_VERSION

# How to reach the controller in a notice, for a pilot that was given no contact details.
DEFAULT_CONTROLLER_CONTACT = N_(
    "through the pilot's coordinator, who passes your request on to the controller"
)


PROPOSALS_NOTICE = N_(
    "Goals and ideas you propose are stored under your pseudonym with their history. If you "
    "use /delete, those not approved are erased; approved goals and ideas belong to the "
    "pilot and stay, without your name. Your dots and supports are erased."
)
MAP_AUTHORSHIP_NOTICE = N_(
    "If you coordinate a pilot: every version of its impact map records who made it (your "
    "pseudonym), when and what changed, and the audit log records your decisions on "
    "proposals the same way. If you use /delete, your pseudonym is removed from them; the "
    "map versions and the decisions stay the pilot's."
)

# What each version of the notice added, oldest first: a member who consented under an
# earlier one is told what changed since (an unknown, older version gets every line).
NOTICE_CHANGES = (
    (
        "2026-12",
        N_(
            "It now also states the legal basis, how to contact the controller, your right to "
            "complain to a supervisory authority and how long data is kept."
        ),
    ),
    (
        "2026-12-steps",
        N_(
            "It now says what happens to the goals and ideas you propose when you use /delete: "
            "those not approved are erased, and approved ones stay as the pilot's, without "
            "your name."
        ),
    ),
    (
        "2026-12-maps",
        N_(
            "It now says that impact-map versions and decisions on proposals record which "
            "coordinator made them, and that /delete removes the coordinator's pseudonym from "
            "them."
        ),
    ),
)


def full_notice(caller: Caller) -> str:
    """The full privacy notice (GDPR Art. 13): controller and contact, purposes, legal
    basis, data, who sees it, Telegram, retention, rights and the right to complain."""
    _ = caller._
    pilot = caller.pilot
    controller = pilot.controller if pilot else _("the pilot's organiser")
    contact = (pilot.controller_contact if pilot else None) or _(DEFAULT_CONTROLLER_CONTACT)
    notice = _(
        "Privacy notice (version {version})\n\n"
        "Controller: {controller}. Contact: {contact}.\n\n"
        "Purposes: to run the pilot's SEROI+ process (local goals, stakeholders, co-design, "
        "indicators and values, monitoring) and to measure the social, economic and "
        "environmental value of its actions.\n\n"
        "Legal basis: your consent (GDPR Art. 6(1)(a)), given separately for each purpose; "
        "for the wellbeing questions, which concern health, your explicit consent "
        "(Art. 9(2)(a)). Taking part is voluntary. Withdrawing consent does not make "
        "earlier processing unlawful.\n\n"
        "What we store: your answers, your choices of consent (what, when, notice version, "
        "language), your stakeholder group, your roles, your language, and the Telegram chat id "
        "needed to message you, kept apart from your answers. Answers are stored under a "
        "pseudonym (a keyed hash of your Telegram id); we never store your name, username, "
        "phone number or photo.\n\n"
        "Who sees what: coordinators see only summaries; a group of fewer than five people "
        "(fewer than ten for wellbeing) is never shown.\n\n"
        "Telegram: messages travel through Telegram's cloud and are not end-to-end encrypted.\n\n"
        "Retention: your answers are kept until the pilot's evaluation is finished, then "
        "deleted; published results contain only aggregates. /delete erases everything about "
        "you at any time.\n\n"
        "Your rights: /mydata gives you a summary and a file of everything stored about you; "
        "/withdraw stops all processing at once; /delete erases your data; /language changes "
        "the language. You can correct an answer by answering the same check-in again.\n\n"
        "Complaints: you have the right to lodge a complaint with a supervisory authority; in "
        "Finland the Data Protection Ombudsman (tietosuojavaltuutettu, tietosuoja.fi), or the "
        "authority of the EU country where you live or work."
    ).format(
        version=NOTICE_VERSION,
        controller=controller,
        contact=contact,
    )
    return f"{notice}\n\n{_(PROPOSALS_NOTICE)}\n\n{_(MAP_AUTHORSHIP_NOTICE)}"


async def privacy(update: Update, context: BotContext) -> None:
    """Show the full notice and, to members, a way to change their consents."""
    caller = context.caller
    markup = None
    if caller.member and caller.member.status == "active":
        markup = keyboard([[button(caller, context, caller._("Change my choices"), "rechoose")]])
    await say(context, caller, full_notice(caller), markup)
    # Shown in full just now: the update of the notice need not follow.
    await rights.mark_current_notice_shown(context.services, caller)


def what_changed(caller: Caller, seen: str) -> str:
    """What the notice says now that it did not in version `seen`, and that consents stand."""
    _ = caller._
    versions = [version for version, _change in NOTICE_CHANGES]
    since = versions.index(seen) + 1 if seen in versions else 0
    lines = [_("The privacy notice has been updated.")]
    lines += [_(change) for _version, change in NOTICE_CHANGES[since:]]
    lines.append(_("No purpose has changed, so your choices stand and you need not consent again."))
    return " ".join(lines)


async def notice_update(update: Update, context: BotContext) -> None:
    """After any update of a member who consented under an earlier notice: the new one, once.

    No purpose changed in this version, so the consents stand and nobody is asked again.
    """
    caller = context.caller
    chat = update.effective_chat
    if caller is None or chat is None or chat.type != "private":
        return
    seen = await rights.mark_current_notice_shown(context.services, caller)
    if seen is None:
        return
    await say(context, caller, what_changed(caller, seen) + "\n\n" + full_notice(caller))


async def known_caller(context: BotContext) -> Caller | None:
    """The caller, or None after telling them that nothing is stored about them."""
    caller = context.caller
    if caller.person is None:
        await say(context, caller, caller._("I store nothing about you."))
        return None
    return caller


STATUS_NAMES = {
    "onboarding": N_("joining"),
    "active": N_("taking part"),
    "withdrawn": N_("withdrawn"),
}


def readable_summary(caller: Caller, document: dict[str, Any]) -> str:
    """What `/mydata`'s file holds, in words: what, since when, what for (Art. 15)."""
    _ = caller._

    def day(timestamp: str) -> str:
        return local_date(timestamp, caller.language)

    lines = [_("What I store about you, as of {day}:").format(day=day(document["exported_at"]))]
    for pilot in document["pilots"]:
        lines += ["", *_pilot_lines(_, day, document, pilot)]
    lines.append("")
    for person in document["people"]:
        if person["language"]:
            language = LANGUAGE_NAMES[person["language"]]
            line = _("Language: {language}, to speak with you in it.").format(language=language)
            lines.append("• " + line)
        if person["processing_stopped_at"]:
            line = _("You stopped all processing on {day} (/withdraw).")
            lines.append("• " + line.format(day=day(person["processing_stopped_at"])))
    if document["contacts"]:
        since = min(person["created_at"] for person in document["people"])
        line = _(
            "Your Telegram chat id, since {day}: only to send you messages, kept apart "
            "from your answers."
        )
        lines.append("• " + line.format(day=day(since)))
    rounds = [len(document.get(table, [])) for table in ("proposals", "dots", "supports")]
    if any(rounds):
        line = _(
            "In goal and idea rounds: {proposals} proposals, {dots} dots, {supports} supports; "
            "to count them and to tell you what became of your proposals."
        )
        lines.append("• " + line.format(proposals=rounds[0], dots=rounds[1], supports=rounds[2]))
    if document["audit_log"]:
        line = _("{count} entries in the event log (such as joining), to show what happened.")
        lines.append("• " + line.format(count=len(document["audit_log"])))
    lines += [
        "",
        _(
            "Your answers and consents are stored under a pseudonym, never with your name. "
            "The file below holds the same, machine-readable."
        ),
    ]
    return "\n".join(lines)


def _pilot_lines(
    _: Translate, day: Callable[[str], str], document: dict[str, Any], pilot: dict[str, Any]
) -> list[str]:
    """One pilot's part of the summary: membership, group, roles, latest consents."""
    lines = [
        _("“{pilot}” (controller: {controller})").format(
            pilot=pilot["name"], controller=pilot["controller"]
        )
    ]
    for member in (m for m in document["members"] if m["pilot_id"] == pilot["id"]):
        status_key, group_key = member["status"], member["stakeholder_group"]
        line = _("Member since {day} ({status}): to run the pilot's steps with you.")
        lines.append(
            "• " + line.format(day=day(member["joined_at"]), status=_(STATUS_NAMES[status_key]))
        )
        if group_key:
            line = _("Group: {group}, to compare results between groups.")
            lines.append("• " + line.format(group=_(GROUP_LABELS[group_key])))
    for role in (r for r in document["roles"] if r["pilot_id"] == pilot["id"]):
        role_key = role["role"]
        line = _("Role: {role}, since {day}: what you may do in the pilot.")
        lines.append("• " + line.format(role=_(ROLE_NAMES[role_key]), day=day(role["granted_at"])))
    latest: dict[str, dict[str, Any]] = {}
    for consent in document["consents"]:
        if consent["pilot_id"] == pilot["id"]:
            latest[consent["purpose"]] = consent  # the log is oldest first
    for purpose, consent in latest.items():
        line = _("Consent to {purpose}: yes, since {day}")
        if not consent["granted"]:
            line = _("Consent to {purpose}: no, since {day}")
        label = _(CONSENT_LABELS[purpose])
        lines.append("• " + line.format(purpose=label, day=day(consent["recorded_at"])))
    return lines


async def mydata(update: Update, context: BotContext) -> None:
    """Send a summary in words and a file with everything stored about the caller."""
    caller = await known_caller(context)
    if caller is None:
        return
    document = await rights.everything_about(context.services, caller)
    await say(context, caller, readable_summary(caller, document))
    await send_file(
        context,
        caller,
        "document",
        json.dumps(document, ensure_ascii=False, indent=2).encode(),
        filename="my-data.json",
        caption=caller._("Everything stored about you, as of today."),
    )


async def delete(update: Update, context: BotContext) -> None:
    """Ask for confirmation before erasing."""
    caller = await known_caller(context)
    if caller is None:
        return
    _ = caller._
    rows = [
        [button(caller, context, _("Yes, erase my data"), "erase")],
        [button(caller, context, _("No, keep it"), "keep")],
    ]
    await say(
        context,
        caller,
        _(
            "This erases your answers, your consents, your roles and the link between you and "
            "your pseudonym, in every pilot. It cannot be undone. Erase?"
        ),
        keyboard(rows),
    )


async def withdraw(update: Update, context: BotContext) -> None:
    """Stop all processing at once: consents withdrawn, memberships stopped."""
    caller = await known_caller(context)
    if caller is None:
        return
    await rights.withdraw(context.services, caller, update.update_id)
    await say(
        context,
        caller,
        caller._(
            "Done: I have stopped all processing of your data and will not send you check-ins. "
            "Your earlier answers stay stored until the end of the pilot unless you /delete them. "
            "To take part again, open an invite link."
        ),
    )


async def language(update: Update, context: BotContext) -> None:
    """Offer the four languages, the current one marked."""
    caller = context.caller
    rows = [
        [
            button(
                caller,
                context,
                ("✓ " if code == caller.language else "") + LANGUAGE_NAMES[code],
                "setlang",
                code,
            )
        ]
        for code in LANGUAGES
    ]
    await say(context, caller, caller._("Which language would you like to use?"), keyboard(rows))


async def on_press(update: Update, context: BotContext, caller: Caller, press: Press) -> bool:
    """Handle the privacy buttons; False when the button is not valid any more."""
    services = context.services
    pressed = update.callback_query.message
    if press.action == "setlang":
        if press.argument not in LANGUAGES:
            return False
        await rights.set_language(services, caller, press.argument, update.update_id)
        speaking = replace(caller, language=press.argument)
        await refresh_menu(context, speaking)
        text = speaking._("From now on I will speak English with you.")
        if caller.processing_stopped:
            text = speaking._(
                "I answer you in English this time but do not remember it: you have stopped "
                "all processing of your data. To take part again, open an invite link; you "
                "choose your language when you join."
            )
        await say(context, speaking, text, replacing=pressed)
        return True
    if caller.person is None:
        return False
    if press.action == "keep":
        await say(context, caller, caller._("Nothing was erased."), replacing=pressed)
        return True
    if press.action == "erase":
        await rights.erase(services, context.outbox, caller, update.update_id)
        await say(
            context,
            caller,
            caller._(
                "Your data has been erased. What remains are results that were already "
                "published as aggregates of at least five people, which do not identify you."
            ),
            replacing=pressed,
        )
        await refresh_menu(context, replace(caller, roles=frozenset()))
        return True
    if press.action == "rechoose":
        member = await rights.choose_consents_again(services, caller, update.update_id)
        if member is not None:
            return await context.reprompt(replace(caller, member=member), replacing=pressed)
    return False


STOP_PROCESSING = N_("Stop all processing of your data now")
COMMANDS = (
    Command("language", "everyone", N_("Change the language"), language),
    Command("privacy", "everyone", N_("How your data is used"), privacy),
    Command("mydata", "everyone", N_("Get a file of everything stored about you"), mydata),
    Command("withdraw", "member", STOP_PROCESSING, withdraw),
    Command("stop", "member", STOP_PROCESSING, withdraw, menu="never"),
    Command("delete", "everyone", N_("Erase your data"), delete),
)


def handlers() -> list[BaseHandler]:
    """Runs after every update's own handler: the new privacy notice, once, to whom it is due."""
    return [TypeHandler(Update, notice_update)]


BUTTONS = tuple(
    Button(action, "everyone", on_press) for action in ("setlang", "erase", "keep", "rechoose")
)
