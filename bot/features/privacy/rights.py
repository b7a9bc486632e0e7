"""A person's rights, as use cases: access, erasure, withdrawal, language, consents again."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.chat.caller import Caller
from bot.services import Services


async def everything_about(services: Services, caller: Caller) -> dict[str, Any]:
    """Every row stored about the caller, as one document (Art. 15)."""
    exported = await services.personal_data.export(caller.pseudonym)
    return {
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "pilots": [p.model_dump() for p in await services.pilots.of_person(caller.pseudonym)],
        **exported,
    }


async def withdraw(services: Services, caller: Caller, update_id: int) -> None:
    """Stop all processing at once: consents withdrawn, memberships stopped (Art. 7(3))."""
    async with services.db.transaction(update_id):
        await services.consents.withdraw_all(caller.pseudonym, caller.language)
        await services.members.withdraw_all(caller.pseudonym)
        await services.people.set_processing_stopped(caller.pseudonym, True)
        await services.audit.add("withdrew", actor=caller.pseudonym)


async def erase(services: Services, caller: Caller, update_id: int) -> None:
    """Erase every row about the caller (Art. 17); the audit log keeps only the event."""
    async with services.db.transaction(update_id):
        await services.personal_data.erase(caller.pseudonym)
        await services.audit.add("erased", actor="erased")


async def set_language(services: Services, caller: Caller, language: str, update_id: int) -> None:
    """Remember the language of someone we store something about (a stranger's is not kept)."""
    if caller.person is None:
        return
    async with services.db.transaction(update_id):
        await services.people.set_language(caller.pseudonym, language)


async def choose_consents_again(services: Services, caller: Caller, update_id: int) -> bool:
    """Take an active member back to the consent step; False if they are not active."""
    member = caller.member
    if caller.pilot is None or member is None or member.status != "active":
        return False
    async with services.db.transaction(update_id):
        await services.members.set_step(caller.pilot.id, caller.pseudonym, "consent")
    return True
