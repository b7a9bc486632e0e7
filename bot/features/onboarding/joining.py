"""Joining a pilot, as use cases: decide and write, with no Telegram in sight.

The handlers beside this module parse the update, call one of these, and render what it
returns. Each write happens in the update's own transaction, so a redelivered update
has its effect once.
"""

from __future__ import annotations

import math
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from bot.chat.caller import Caller
from bot.services import Services
from bot.storage.models import Member, Pilot, Role
from bot.storage.repositories.invites import InviteProblem

# What `secrets.token_urlsafe` makes; anything else is not a code (and is not looked up).
INVITE_CODE = re.compile(r"[A-Za-z0-9_-]{1,64}", re.ASCII)


# After this many wrong codes within the window, no code is checked for a while.
MAX_FAILED_CODES = 5
FAILED_CODES_WINDOW_SECONDS = 15 * 60
LOCKOUT_SECONDS = 15 * 60


@dataclass(frozen=True)
class TooManyAttempts:
    """The person sent too many wrong codes lately: this one was not even checked."""

    minutes: int  # until codes are checked again, rounded up


class InviteAttempts:
    """Wrong invite codes per person (by pseudonym), kept in memory only and forgotten.

    Memory is enough: codes are 96 random bits, so a few guesses per quarter hour (a
    restart resets the count, the flood guard caps the rate meanwhile) never find one,
    while a person mistyping a link is not locked out for long. Storing nothing keeps a
    stranger's guesses out of the database.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._locked_until: dict[str, float] = {}

    def locked(self, pseudonym: str) -> TooManyAttempts | None:
        """Whether this person's codes are not checked now, and for how long."""
        now = self._clock()
        until = self._locked_until.get(pseudonym)
        if until is None:
            return None
        if until <= now:
            del self._locked_until[pseudonym]
            return None
        return TooManyAttempts(math.ceil((until - now) / 60))

    def failed(self, pseudonym: str) -> None:
        """Count one wrong code; the last one allowed locks the person out for a while."""
        now = self._clock()
        self._forget_old(now)
        failures = self._failures.setdefault(pseudonym, deque())
        failures.append(now)
        if len(failures) >= MAX_FAILED_CODES:
            del self._failures[pseudonym]
            self._locked_until[pseudonym] = now + LOCKOUT_SECONDS

    def _forget_old(self, now: float) -> None:
        # Bounded memory: every person's failures outside the window, and ended lockouts.
        for pseudonym, failures in list(self._failures.items()):
            while failures and failures[0] <= now - FAILED_CODES_WINDOW_SECONDS:
                failures.popleft()
            if not failures:
                del self._failures[pseudonym]
        for pseudonym, until in list(self._locked_until.items()):
            if until <= now:
                del self._locked_until[pseudonym]


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
    services: Services, caller: Caller, code: str, update_id: int, attempts: InviteAttempts
) -> InviteProblem | TooManyAttempts | AlreadyIn | Joined:
    """Redeem an invite code for the caller, unless they sent too many wrong ones lately.

    Someone rejoining a pilot in a role they held there already (after /withdraw) takes
    no use of the invite, so a one-use coordinator invite still lets its coordinator back.
    """
    if locked := attempts.locked(caller.pseudonym):
        return locked
    invite = (
        await services.invites.check(code) if INVITE_CODE.fullmatch(code) else InviteProblem.UNKNOWN
    )
    if invite is InviteProblem.UNKNOWN:
        # Only a code that is no code counts: an expired or revoked one was not a guess.
        attempts.failed(caller.pseudonym)
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
