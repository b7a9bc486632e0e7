"""Membership of a pilot and where the member is in onboarding."""

from __future__ import annotations

from bot.storage.db import utc_now
from bot.storage.models import Member
from bot.storage.repositories.base import Repository
from bot.storage.repositories.people import member_from_row
from bot.storage.repositories.pilots import NOTICE_VERSION


class Members(Repository):
    """Membership of a pilot and where the member is in onboarding.

    A membership's `notice_version` is only ever set to the current `NOTICE_VERSION` or
    to NULL here (older versions come from before a new notice): the notice check after
    an update relies on it (`Caller.notice_up_to_date`).
    """

    async def get(self, pilot_id: int, pseudonym: str) -> Member | None:
        """The membership, or None."""
        row = await self.db.fetch_one(
            "SELECT * FROM members WHERE pilot_id = ? AND pseudonym = ?", (pilot_id, pseudonym)
        )
        return member_from_row(row, pilot_id) if row else None

    async def start_onboarding(self, pilot_id: int, pseudonym: str) -> None:
        """Create the membership at the start of onboarding, or restart a withdrawn one.

        Someone rejoining answers again (an invite may then give the group anew).
        """
        await self.db.execute(
            "INSERT INTO members (pilot_id, pseudonym, status, joined_at) "
            "VALUES (?, ?, 'onboarding', ?) "
            "ON CONFLICT (pilot_id, pseudonym) DO UPDATE SET status = 'onboarding', "
            "onboarding_state = NULL, notice_version = NULL, stakeholder_group = NULL, "
            "distance_band = NULL, checkin_day = NULL, checkin_window = NULL "
            "WHERE status = 'withdrawn'",
            (pilot_id, pseudonym, utc_now()),
        )

    async def set_onboarding_state(self, pilot_id: int, pseudonym: str, state: str | None) -> None:
        """Where the member is in the onboarding script (the engine's serialised state)."""
        await self.db.execute(
            "UPDATE members SET onboarding_state = ? WHERE pilot_id = ? AND pseudonym = ?",
            (state, pilot_id, pseudonym),
        )

    async def consents_confirmed(self, pilot_id: int, pseudonym: str) -> None:
        """The member confirmed consents (now in the consent log) under the current notice."""
        await self.db.execute(
            "UPDATE members SET notice_version = ? WHERE pilot_id = ? AND pseudonym = ?",
            (NOTICE_VERSION, pilot_id, pseudonym),
        )

    async def older_notice_seen(self, pilot_id: int, pseudonym: str) -> str | None:
        """The older notice version the member's consents stand on, or None if they have
        seen the one shown now (or have not consented, or withdrew)."""
        row = await self.db.fetch_one(
            "SELECT notice_version FROM members WHERE pilot_id = ? AND pseudonym = ? "
            "AND status != 'withdrawn'",
            (pilot_id, pseudonym),
        )
        seen = row[0] if row is not None else None
        return seen if seen != NOTICE_VERSION else None

    async def saw_current_notice(self, pilot_id: int, pseudonym: str) -> None:
        """The member has been shown the current notice."""
        await self.db.execute(
            "UPDATE members SET notice_version = ? WHERE pilot_id = ? AND pseudonym = ?",
            (NOTICE_VERSION, pilot_id, pseudonym),
        )

    async def finish_onboarding(
        self,
        pilot_id: int,
        pseudonym: str,
        *,
        stakeholder_group: str | None,
        distance_band: str | None,
        checkin_day: str | None,
        checkin_window: str | None,
    ) -> None:
        """Record the onboarding answers; the member is active and at no question."""
        await self.db.execute(
            "UPDATE members SET stakeholder_group = ?, distance_band = ?, checkin_day = ?, "
            "checkin_window = ?, status = 'active', onboarding_state = NULL "
            "WHERE pilot_id = ? AND pseudonym = ?",
            (
                stakeholder_group,
                distance_band,
                checkin_day,
                checkin_window,
                pilot_id,
                pseudonym,
            ),
        )

    async def stop_onboarding(self, pilot_id: int, pseudonym: str) -> None:
        """The member stopped joining the pilot (/cancel): the membership is withdrawn."""
        await self.db.execute(
            "UPDATE members SET status = 'withdrawn', onboarding_state = NULL "
            "WHERE pilot_id = ? AND pseudonym = ? AND status = 'onboarding'",
            (pilot_id, pseudonym),
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
            "UPDATE members SET status = 'withdrawn', onboarding_state = NULL WHERE pseudonym = ?",
            (pseudonym,),
        )
