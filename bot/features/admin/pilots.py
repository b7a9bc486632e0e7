"""Pilots, invites and switching between pilots, as use cases."""

from __future__ import annotations

from dataclasses import dataclass

from bot.chat.callbacks import ascii_number, id_argument
from bot.chat.caller import Caller
from bot.services import Services
from bot.storage.models import ROLES, Invite, Pilot, Role

DEFAULT_USES = {"member": 100, "facilitator": 1, "coordinator": 1}
MAX_USES = 1000
MAX_DAYS = 365


@dataclass(frozen=True)
class NameTaken:
    """A pilot of that name (ignoring case) exists already."""

    existing: Pilot


async def create_pilot(
    services: Services, caller: Caller, name: str, controller: str, update_id: int
) -> Pilot | NameTaken:
    """A new pilot, made the admin's current one; refused if the name is taken."""
    existing = await services.pilots.named(name)
    if existing is not None:
        # Two pilots of one name could not be told apart in /pilots or in reports.
        return NameTaken(existing)
    async with services.db.transaction(update_id):
        pilot = await services.pilots.create(name, controller=controller)
        await services.people.ensure(caller.pseudonym, caller.chat_id, None)
        await services.people.set_current_pilot(caller.pseudonym, pilot.id)
        await services.audit.add("pilot created", actor=caller.pseudonym, pilot_id=pilot.id)
    return pilot


def invite_arguments(args: list[str]) -> tuple[Role, int | None, int | None] | None:
    """`ROLE [USES [DAYS]]` read with ASCII digits only, or None if it is not that."""
    if not args or len(args) > 3 or args[0].lower() not in ROLES:
        return None
    role = args[0].lower()
    numbers = [ascii_number(text) for text in args[1:]]
    uses, days = [*numbers, None, None][:2]
    if None in numbers:
        return None
    if (uses is not None and not 1 <= uses <= MAX_USES) or (
        days is not None and not 1 <= days <= MAX_DAYS
    ):
        return None
    return role, uses, days


def invite_role(argument: str) -> Role | None:
    """The role an invite button carries, or None."""
    return next((role for role in ROLES if role == argument), None)


@dataclass(frozen=True)
class NewInvite:
    code: str
    invite: Invite
    days: int


async def create_invite(
    services: Services,
    caller: Caller,
    role: Role,
    uses: int | None,
    days: int | None,
    update_id: int,
) -> NewInvite:
    """An invite to the caller's current pilot (the defaults where not given)."""
    uses = uses or DEFAULT_USES[role]
    days = days or services.settings.invite_days_valid
    async with services.db.transaction(update_id):
        code, created = await services.invites.create(caller.pilot.id, role, uses, days)
        await services.audit.add(
            "invite created",
            actor=caller.pseudonym,
            pilot_id=caller.pilot.id,
            detail=f"invite={created.id} role={role} uses={uses} days={days}",
        )
    return NewInvite(code, created, days)


async def open_invites(services: Services, caller: Caller) -> list[Invite]:
    """The invites of the caller's current pilot that can still be used, newest first."""
    return await services.invites.open_in(caller.pilot.id)


async def revoke_invite(
    services: Services, caller: Caller, argument: str, update_id: int
) -> Invite | None:
    """Revoke an open invite of the caller's current pilot; None if it is not one (any more)."""
    invite_id = id_argument(argument)
    if caller.pilot is None:
        return None
    async with services.db.transaction(update_id):
        revoked = await services.invites.revoke(caller.pilot.id, invite_id)
        if revoked is not None:
            await services.audit.add(
                "invite revoked",
                actor=caller.pseudonym,
                pilot_id=caller.pilot.id,
                detail=f"invite={invite_id} role={revoked.role}",
            )
    return revoked


async def pilots_of(services: Services, caller: Caller) -> list[Pilot]:
    """The pilots the caller may work in: all of them for an admin."""
    if caller.is_admin:
        return await services.pilots.all()
    return await services.pilots.of_person(caller.pseudonym)


async def switch_pilot(
    services: Services, caller: Caller, argument: str, update_id: int
) -> Pilot | None:
    """Make a pilot the caller's current one; None if it is not one they may work in."""
    pilot = await services.pilots.by_id(id_argument(argument))
    if pilot is None or pilot not in await pilots_of(services, caller):
        return None
    async with services.db.transaction(update_id):
        await services.people.ensure(caller.pseudonym, caller.chat_id, None)
        await services.people.set_current_pilot(caller.pseudonym, pilot.id)
    return pilot
