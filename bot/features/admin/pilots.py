"""Pilots, invites and switching between pilots, as use cases."""

from __future__ import annotations

from bot.chat.caller import Caller
from bot.services import Services
from bot.storage.models import ROLES, Invite, Pilot, Role

DEFAULT_USES = {"member": 100, "facilitator": 1, "coordinator": 1}
MAX_USES = 1000
MAX_DAYS = 365


async def create_pilot(
    services: Services, caller: Caller, name: str, controller: str, update_id: int
) -> Pilot:
    """A new pilot, made the admin's current one."""
    async with services.db.transaction(update_id):
        pilot = await services.pilots.create(name, controller=controller)
        await services.people.ensure(caller.pseudonym, caller.chat_id, None)
        await services.people.set_current_pilot(caller.pseudonym, pilot.id)
        await services.audit.add("pilot created", actor=caller.pseudonym, pilot_id=pilot.id)
    return pilot


def invite_arguments(args: list[str]) -> tuple[Role, int | None, int | None] | None:
    """`ROLE [USES [DAYS]]` read with ASCII digits only, or None if it is not that."""
    role = args[0].lower() if args else "member"
    numbers = args[1:3]
    if role not in ROLES or len(args) > 3 or not all(n.isascii() and n.isdigit() for n in numbers):
        return None
    uses = int(numbers[0]) if numbers else None
    days = int(numbers[1]) if len(numbers) > 1 else None
    if (uses is not None and not 1 <= uses <= MAX_USES) or (
        days is not None and not 1 <= days <= MAX_DAYS
    ):
        return None
    return role, uses, days


async def create_invite(
    services: Services,
    caller: Caller,
    role: Role,
    uses: int | None,
    days: int | None,
    update_id: int,
) -> tuple[str, Invite]:
    """An invite to the caller's current pilot (the defaults where not given): code and invite."""
    uses = uses or DEFAULT_USES[role]
    days = days or services.settings.invite_days_valid
    async with services.db.transaction(update_id):
        code, created = await services.invites.create(caller.pilot.id, role, uses, days)
        await services.audit.add(
            "invite created",
            actor=caller.pseudonym,
            pilot_id=caller.pilot.id,
            detail=f"role={role} uses={uses} days={days}",
        )
    return code, created


async def pilots_of(services: Services, caller: Caller) -> list[Pilot]:
    """The pilots the caller may work in: all of them for an admin."""
    if caller.is_admin:
        return await services.pilots.all()
    return await services.pilots.of_person(caller.pseudonym)


async def switch_pilot(
    services: Services, caller: Caller, pilot_id: str, update_id: int
) -> Pilot | None:
    """Make a pilot the caller's current one; None if it is not one they may work in."""
    if not (pilot_id.isascii() and pilot_id.isdigit()):
        return None
    pilot = await services.pilots.by_id(int(pilot_id))
    if pilot is None or pilot not in await pilots_of(services, caller):
        return None
    async with services.db.transaction(update_id):
        await services.people.ensure(caller.pseudonym, caller.chat_id, None)
        await services.people.set_current_pilot(caller.pseudonym, pilot.id)
    return pilot
