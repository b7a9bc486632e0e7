"""The consent log."""

from __future__ import annotations

from collections.abc import Mapping

from bot.storage.db import utc_now
from bot.storage.models import Pilot
from bot.storage.repositories.base import Repository
from bot.storage.repositories.pilots import NOTICE_VERSION


class Consents(Repository):
    """The consent log: what, when, notice version, language."""

    async def granted(self, pilot_id: int, pseudonym: str) -> frozenset[str]:
        """The purposes the member has granted and not withdrawn since."""
        rows = await self.db.fetch_all(
            "SELECT purpose FROM consents WHERE id IN (SELECT MAX(id) FROM consents "
            "WHERE pilot_id = ? AND pseudonym = ? GROUP BY purpose) AND granted = 1",
            (pilot_id, pseudonym),
        )
        return frozenset(row["purpose"] for row in rows)

    async def record(
        self,
        pilot: Pilot,
        pseudonym: str,
        decisions: Mapping[str, bool],
        language: str,
    ) -> None:
        """Append one decision (granted or not) per purpose, under the current notice."""
        now = utc_now()
        await self.db.executemany(
            "INSERT INTO consents (pilot_id, pseudonym, purpose, granted, notice_version, "
            "language, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (pilot.id, pseudonym, purpose, int(granted), NOTICE_VERSION, language, now)
                for purpose, granted in decisions.items()
            ],
        )

    async def withdraw_all(self, pseudonym: str, language: str) -> None:
        """Record a withdrawal of every consent the person still has granted, in any pilot."""
        await self.db.execute(
            "INSERT INTO consents (pilot_id, pseudonym, purpose, granted, notice_version, "
            "language, recorded_at) "
            "SELECT pilot_id, pseudonym, purpose, 0, ?, ?, ? FROM consents "
            "WHERE id IN (SELECT MAX(id) FROM consents WHERE pseudonym = ? "
            "GROUP BY pilot_id, purpose) AND granted = 1",
            (NOTICE_VERSION, language, utc_now(), pseudonym),
        )
