"""Updates set aside because they could not be read."""

from __future__ import annotations

from collections.abc import Iterable

from bot.storage.db import utc_now
from bot.storage.repositories.base import Repository


class Quarantine(Repository):
    """What is known of each update that could not be read: its kinds of content, the error."""

    async def set_aside(self, update_id: int, kinds: Iterable[str], error: str) -> None:
        """Record an unreadable update (once, however often Telegram delivers it)."""
        await self.db.atomic(
            "INSERT OR IGNORE INTO quarantined_updates (update_id, received_at, kinds, error) "
            "VALUES (?, ?, ?, ?)",
            (update_id, utc_now(), ",".join(sorted(kinds)), error),
        )
