"""The audit log."""

from __future__ import annotations

from bot.storage.db import utc_now
from bot.storage.repositories.base import Repository


class Audit(Repository):
    """Who changed which role or data, and when."""

    async def add(
        self,
        action: str,
        *,
        actor: str | None,
        pilot_id: int | None = None,
        subject: str | None = None,
        detail: str = "",
    ) -> None:
        """Append one entry."""
        await self.db.execute(
            "INSERT INTO audit_log (at, actor, action, pilot_id, subject, detail) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (utc_now(), actor, action, pilot_id, subject, detail),
        )
