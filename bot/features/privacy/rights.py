"""A person's rights, as use cases: access, erasure, withdrawal, language, consents again."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.chat.caller import Caller
from bot.chat.onboarding import rechoosing
from bot.outbox import Outbox
from bot.services import Services
from bot.storage.models import Member


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


async def erase(services: Services, outbox: Outbox, caller: Caller, update_id: int) -> None:
    """Erase every row about the caller (Art. 17); the audit log keeps only the event."""
    async with services.db.transaction(update_id):
        await services.personal_data.erase(caller.pseudonym)
        await services.audit.add("erased", actor="erased")
    # Their old pages would otherwise stay in the WAL file until a checkpoint; so would
    # the pages of the reply saying so, which holds their chat id until it is sent.
    await services.db.wipe_wal()
    outbox.wipe_after_replies(caller.chat_id)


async def set_language(services: Services, caller: Caller, language: str, update_id: int) -> bool:
    """Remember the language of someone who takes part; False when it is not stored.

    A stranger's choice is not kept (we store nothing about them), nor that of someone
    who withdrew: after /withdraw only what rejoining or a right needs is written.
    """
    if caller.person is None or caller.processing_stopped:
        return False
    async with services.db.transaction(update_id):
        await services.people.set_language(caller.pseudonym, language)
    return True


async def choose_consents_again(
    services: Services, caller: Caller, update_id: int
) -> Member | None:
    """Take an active member back to the consents question, toggled as they granted them.

    None if they are not active.
    """
    member = caller.member
    if caller.pilot is None or member is None or member.status != "active":
        return None
    granted = await services.consents.granted(caller.pilot.id, caller.pseudonym)
    state = rechoosing(member, caller.language, granted)
    async with services.db.transaction(update_id):
        await services.members.set_onboarding_state(caller.pilot.id, caller.pseudonym, state)
    return member.model_copy(update={"onboarding_state": state})


async def mark_current_notice_shown(services: Services, caller: Caller) -> str | None:
    """The older notice version the member consented under, if they have not seen the
    current one; from now on it counts as seen (it is shown once, by the caller of this).

    Asked after the update was handled, so it reads what that update stored (a /withdraw,
    a /delete). Nothing is written for anyone else, a withdrawn person included.
    """
    if caller.pilot is None or caller.notice_up_to_date:
        # A stored notice version only ever changes to the current one or to none
        # (`Members`), so one that was not older when the update came is not older now.
        return None
    seen = await services.members.older_notice_seen(caller.pilot.id, caller.pseudonym)
    if seen is None:
        return None
    # Its own transaction: the update's own may have been committed already.
    async with services.db.transaction():
        await services.members.saw_current_notice(caller.pilot.id, caller.pseudonym)
    return seen
