"""Membership of a pilot and where the member is in onboarding."""

from __future__ import annotations

from bot.storage.db import utc_now
from bot.storage.models import Member
from bot.storage.repositories.base import Repository
from bot.storage.repositories.people import member_from_row
from bot.storage.repositories.pilots import NOTICE_VERSION


class Members(Repository):
    """Membership of a pilot and where the member is in onboarding."""

    async def get(self, pilot_id: int, pseudonym: str) -> Member | None:
        """The membership, or None."""
        row = await self.db.fetch_one(
            "SELECT * FROM members WHERE pilot_id = ? AND pseudonym = ?", (pilot_id, pseudonym)
        )
        return member_from_row(row, pilot_id) if row else None

    async def start_onboarding(self, pilot_id: int, pseudonym: str) -> None:
        """Create the membership at the language step, or restart a withdrawn one."""
        await self.db.execute(
            "INSERT INTO members (pilot_id, pseudonym, status, onboarding_step, joined_at) "
            "VALUES (?, ?, 'onboarding', 'language', ?) "
            "ON CONFLICT (pilot_id, pseudonym) DO UPDATE SET status = 'onboarding', "
            "onboarding_step = 'language', pending_consents = '', notice_version = NULL "
            "WHERE status = 'withdrawn'",
            (pilot_id, pseudonym, utc_now()),
        )

    async def set_step(self, pilot_id: int, pseudonym: str, step: str) -> None:
        """Move the member to an onboarding step."""
        await self.db.execute(
            "UPDATE members SET onboarding_step = ? WHERE pilot_id = ? AND pseudonym = ?",
            (step, pilot_id, pseudonym),
        )

    async def set_pending_consents(
        self, pilot_id: int, pseudonym: str, purposes: frozenset[str]
    ) -> None:
        """The consent toggles pressed so far, before the member confirms them."""
        await self.db.execute(
            "UPDATE members SET pending_consents = ? WHERE pilot_id = ? AND pseudonym = ?",
            (",".join(sorted(purposes)), pilot_id, pseudonym),
        )

    async def confirm_consents(self, pilot_id: int, pseudonym: str, next_step: str) -> None:
        """The toggles are confirmed (now in the consent log), under the current notice."""
        await self.db.execute(
            "UPDATE members SET onboarding_step = ?, pending_consents = '', notice_version = ? "
            "WHERE pilot_id = ? AND pseudonym = ?",
            (next_step, NOTICE_VERSION, pilot_id, pseudonym),
        )

    async def consented_under_an_older_notice(self, pilot_id: int, pseudonym: str) -> bool:
        """Whether the member's consents stand on a notice older than the one shown now."""
        row = await self.db.fetch_one(
            "SELECT notice_version FROM members WHERE pilot_id = ? AND pseudonym = ? "
            "AND status != 'withdrawn'",
            (pilot_id, pseudonym),
        )
        return row is not None and row[0] is not None and row[0] != NOTICE_VERSION

    async def saw_current_notice(self, pilot_id: int, pseudonym: str) -> None:
        """The member has been shown the current notice."""
        await self.db.execute(
            "UPDATE members SET notice_version = ? WHERE pilot_id = ? AND pseudonym = ?",
            (NOTICE_VERSION, pilot_id, pseudonym),
        )

    async def finish_onboarding(self, pilot_id: int, pseudonym: str, group: str) -> None:
        """Record the stakeholder group and make the member active."""
        await self.db.execute(
            "UPDATE members SET stakeholder_group = ?, status = 'active', onboarding_step = 'done' "
            "WHERE pilot_id = ? AND pseudonym = ?",
            (group, pilot_id, pseudonym),
        )

    async def set_stakeholder_group(self, pilot_id: int, pseudonym: str, group: str) -> None:
        """Record the member's stakeholder group (known from the invite they joined by)."""
        await self.db.execute(
            "UPDATE members SET stakeholder_group = ? WHERE pilot_id = ? AND pseudonym = ?",
            (group, pilot_id, pseudonym),
        )

    async def group_counts(self, pilot_id: int) -> dict[str, int]:
        """Active members per stakeholder group (members yet to say are left out)."""
        rows = await self.db.fetch_all(
            "SELECT stakeholder_group, COUNT(*) FROM members WHERE pilot_id = ? "
            "AND status = 'active' AND stakeholder_group IS NOT NULL GROUP BY stakeholder_group",
            (pilot_id,),
        )
        return {row[0]: row[1] for row in rows}

    async def withdraw_all(self, pseudonym: str) -> None:
        """Stop every membership of the person."""
        await self.db.execute(
            "UPDATE members SET status = 'withdrawn', onboarding_step = 'done', "
            "pending_consents = '' WHERE pseudonym = ?",
            (pseudonym,),
        )
