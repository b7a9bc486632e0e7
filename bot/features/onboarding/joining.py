"""Joining a pilot, as use cases: decide and write, with no Telegram in sight.

The handlers beside this module parse the update, call one of these, and render what it
returns. Each write happens in the update's own transaction, so a redelivered update
has its effect once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.chat.callbacks import id_argument
from bot.chat.caller import Caller
from bot.services import Services
from bot.settings import LANGUAGES
from bot.storage.models import CONSENT_PURPOSES, STAKEHOLDER_GROUPS, Member, Pilot, Role
from bot.storage.repositories.invites import InviteProblem

# The onboarding step at which each button is valid; pressed at any other, it is stale.
STEP_OF_ACTION = {
    "lang": "language",
    "notice": "notice",
    "consent": "consent",
    "consented": "consent",
    "group": "group",
}


# What `secrets.token_urlsafe` makes; anything else is not a code (and is not looked up).
INVITE_CODE = re.compile(r"[A-Za-z0-9_-]{1,64}", re.ASCII)


class InviteUsedUpError(Exception):
    """The invite's last use was taken while this person was joining."""


@dataclass(frozen=True)
class AlreadyIn:
    """The person holds this invite's role in its pilot already."""

    pilot: Pilot
    member: Member


@dataclass(frozen=True)
class Joined:
    """The invite was used: a new member (onboarding), or a member gaining a role."""

    pilot: Pilot
    role: Role


async def join(
    services: Services, caller: Caller, code: str, update_id: int
) -> InviteProblem | AlreadyIn | Joined:
    """Redeem an invite code for the caller.

    Someone rejoining a pilot in a role they held there already (after /withdraw) takes
    no use of the invite, so a one-use coordinator invite still lets its coordinator back.
    """
    if not INVITE_CODE.fullmatch(code):
        return InviteProblem.UNKNOWN
    invite = await services.invites.check(code)
    if isinstance(invite, InviteProblem):
        return invite
    pilot = await services.pilots.by_id(invite.pilot_id)
    member = await services.members.get(pilot.id, caller.pseudonym)
    held = await services.roles.of(pilot.id, caller.pseudonym)
    if member and member.status != "withdrawn" and invite.role in held:
        return AlreadyIn(pilot, member)
    rejoining = member is not None and invite.role in held
    if invite.used_up and not rejoining:
        return InviteProblem.USED_UP
    try:
        async with services.db.transaction(update_id):
            if not rejoining and not await services.invites.use(invite.id):
                raise InviteUsedUpError
            await services.people.ensure(caller.pseudonym, caller.chat_id, None)
            await services.people.set_current_pilot(caller.pseudonym, pilot.id)
            await services.people.set_processing_stopped(caller.pseudonym, False)
            await services.members.start_onboarding(pilot.id, caller.pseudonym)
            if invite.stakeholder_group is not None:  # an invite for one group (/table)
                await services.members.set_stakeholder_group(
                    pilot.id, caller.pseudonym, invite.stakeholder_group
                )
            await services.roles.grant(pilot.id, caller.pseudonym, invite.role)
            await services.audit.add(
                "rejoined" if rejoining else "joined",
                actor=caller.pseudonym,
                pilot_id=pilot.id,
                detail=f"role={invite.role}",
            )
    except InviteUsedUpError:
        # The last use went to someone else between the check and this transaction.
        return InviteProblem.USED_UP
    return Joined(pilot, invite.role)


@dataclass(frozen=True)
class Moved:
    """The member is at another step now (or, `finished`, has completed onboarding)."""

    pilot: Pilot
    member: Member
    language: str
    finished: bool = False


@dataclass(frozen=True)
class Toggled:
    """A consent toggle was set; the member is still choosing."""

    member: Member


@dataclass(frozen=True)
class Confirmed:
    """The member confirmed the toggles they saw: `decisions` were recorded.

    The member is at the group step now, or (re-choosing from /privacy) at none.
    """

    pilot: Pilot
    member: Member
    decisions: dict[str, bool]


@dataclass(frozen=True)
class OutOfDate:
    """Confirm was pressed on toggles that are not the stored ones: nothing was recorded."""

    member: Member


def shown_consents(purposes: frozenset[str]) -> str:
    """The toggles a Confirm button is drawn with, for its callback data: `101`."""
    return "".join("1" if purpose in purposes else "0" for purpose in CONSENT_PURPOSES)


def consents_shown(code: str) -> frozenset[str] | None:
    """The toggles a Confirm button was drawn with; None if the code is not one."""
    if len(code) != len(CONSENT_PURPOSES) or not set(code) <= {"0", "1"}:
        return None
    return frozenset(p for p, bit in zip(CONSENT_PURPOSES, code, strict=True) if bit == "1")


async def granted_consents(services: Services, member: Member) -> frozenset[str]:
    """The purposes the member has granted in their pilot (the consent log's latest rows)."""
    return await services.consents.granted(member.pilot_id, member.pseudonym)


async def step_of(
    services: Services, caller: Caller, pilot_id: str, expected_step: str
) -> tuple[Pilot, Member] | None:
    """The pilot and membership a button refers to, if it is still the member's current step.

    A pilot id that is not a number raises InvalidCallbackError (the button is not ours).
    """
    pilot = await services.pilots.by_id(id_argument(pilot_id))
    if pilot is None:
        return None
    if caller.pilot is not None and caller.pilot.id == pilot.id:
        member = caller.member
    else:
        member = await services.members.get(pilot.id, caller.pseudonym)
    if member is None or member.onboarding_step != expected_step:
        return None
    # After /withdraw nothing is collected, whatever buttons are still on screen; an
    # active member reaches the consent step again only through /privacy.
    rechoosing = member.status == "active" and expected_step == "consent"
    if caller.processing_stopped or not (member.status == "onboarding" or rechoosing):
        return None
    return pilot, member


async def take_step(
    services: Services, caller: Caller, action: str, argument: str, update_id: int
) -> Moved | Toggled | Confirmed | OutOfDate | None:
    """Apply an onboarding button; None when it is not (or no longer) valid."""
    pilot_id, _sep, value = argument.partition(":")
    loaded = await step_of(services, caller, pilot_id, STEP_OF_ACTION[action])
    if loaded is None:
        return None
    pilot, member = loaded
    pseudonym = caller.pseudonym
    if action == "lang":
        if value not in LANGUAGES:
            return None
        async with services.db.transaction(update_id):
            await services.people.set_language(pseudonym, value)
            await services.members.set_step(pilot.id, pseudonym, "notice")
        return Moved(pilot, member.model_copy(update={"onboarding_step": "notice"}), value)
    if action == "notice":
        async with services.db.transaction(update_id):
            await services.members.set_step(pilot.id, pseudonym, "consent")
        return Moved(
            pilot, member.model_copy(update={"onboarding_step": "consent"}), caller.language
        )
    if action == "consent":
        purpose, _sep, wanted = value.partition(":")
        if purpose not in CONSENT_PURPOSES or wanted not in ("0", "1"):
            return None
        chosen = member.pending_consents - {purpose} | ({purpose} if wanted == "1" else set())
        async with services.db.transaction(update_id):
            await services.members.set_pending_consents(pilot.id, pseudonym, chosen)
        return Toggled(member.model_copy(update={"pending_consents": chosen}))
    if action == "consented":
        # Record what the screen showed, and only if it is what is stored: an edit of the
        # toggles may still be on its way, or have been refused (health data needs
        # explicit consent, so never one the person did not see).
        shown = consents_shown(value)
        if shown != member.pending_consents:
            return OutOfDate(member)
        next_step = "done" if member.status == "active" else "group"
        decisions = {p: p in shown for p in CONSENT_PURPOSES}
        async with services.db.transaction(update_id):
            await services.consents.record(pilot, pseudonym, decisions, caller.language)
            await services.members.confirm_consents(pilot.id, pseudonym, next_step)
        confirmed = member.model_copy(
            update={"onboarding_step": next_step, "pending_consents": frozenset()}
        )
        return Confirmed(pilot, confirmed, decisions)
    if value not in STAKEHOLDER_GROUPS:
        return None
    async with services.db.transaction(update_id):
        await services.members.finish_onboarding(pilot.id, pseudonym, value)
        await services.audit.add("onboarded", actor=pseudonym, pilot_id=pilot.id)
    return Moved(pilot, member, caller.language, finished=True)
