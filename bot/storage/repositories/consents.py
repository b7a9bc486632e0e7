"""The consent log."""

from __future__ import annotations

from collections.abc import Mapping

from bot.storage.db import utc_now
from bot.storage.models import Pilot
from bot.storage.repositories.base import Repository


class Consents(Repository):
    """The consent log: what, when, notice version, language."""

    async def record(
        self,
        pilot: Pilot,
        pseudonym: str,
        decisions: Mapping[str, bool],
        language: str,
    ) -> None:
        """Append one decision (granted or not) per purpose."""
        now = utc_now()
        await self.db.executemany(
            "INSERT INTO consents (pilot_id, pseudonym, purpose, granted, notice_version, "
            "language, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (pilot.id, pseudonym, purpose, int(granted), pilot.notice_version, language, now)
                for purpose, granted in decisions.items()
            ],
        )

    async def withdraw_all(self, pseudonym: str, language: str) -> None:
        """Record a withdrawal of every consent the person still has granted, in any pilot."""
        await self.db.execute(
            "INSERT INTO consents (pilot_id, pseudonym, purpose, granted, notice_version, "
            "language, recorded_at) "
            "SELECT c.pilot_id, c.pseudonym, c.purpose, 0, p.notice_version, ?, ? "
            "FROM consents c JOIN pilots p ON p.id = c.pilot_id "
            "WHERE c.id IN (SELECT MAX(id) FROM consents WHERE pseudonym = ? "
            "GROUP BY pilot_id, purpose) AND c.granted = 1",
            (language, utc_now(), pseudonym),
        )
