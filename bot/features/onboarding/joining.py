"""Joining a pilot, as use cases: decide and write, with no Telegram in sight.

The handlers beside this module parse the update, call one of these, and render what it
returns. Each write happens in the update's own transaction, so a redelivered update
has its effect once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.chat.caller import Caller
from bot.services import Services
from bot.storage.models import Member, Pilot, Role
from bot.storage.repositories.invites import InviteProblem

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


async def granted_consents(services: Services, member: Member) -> frozenset[str]:
    """The purposes the member has granted in their pilot (the consent log's latest rows)."""
    return await services.consents.granted(member.pilot_id, member.pseudonym)
