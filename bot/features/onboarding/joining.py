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
class Rechosen:
    """An active member confirmed changed consents (from /privacy)."""


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
) -> Moved | Toggled | Rechosen | None:
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
        was_active = member.status == "active"
        async with services.db.transaction(update_id):
            decisions = {p: p in member.pending_consents for p in CONSENT_PURPOSES}
            await services.consents.record(pilot, pseudonym, decisions, caller.language)
            await services.members.set_step(pilot.id, pseudonym, "done" if was_active else "group")
        if was_active:
            return Rechosen()
        return Moved(pilot, member.model_copy(update={"onboarding_step": "group"}), caller.language)
    if value not in STAKEHOLDER_GROUPS:
        return None
    async with services.db.transaction(update_id):
        await services.members.finish_onboarding(pilot.id, pseudonym, value)
        await services.audit.add("onboarded", actor=pseudonym, pilot_id=pilot.id)
    return Moved(pilot, member, caller.language, finished=True)
