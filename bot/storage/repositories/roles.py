"""Roles per pilot."""

from __future__ import annotations

from bot.storage.db import utc_now
from bot.storage.models import Role
from bot.storage.repositories.base import Repository


class Roles(Repository):
    """Roles per pilot (admins come from settings, not from here)."""

    async def grant(self, pilot_id: int, pseudonym: str, role: Role) -> None:
        """Give a role (nothing changes if the person has it already)."""
        await self.db.execute(
            "INSERT OR IGNORE INTO roles (pilot_id, pseudonym, role, granted_at) "
            "VALUES (?, ?, ?, ?)",
            (pilot_id, pseudonym, role, utc_now()),
        )

    async def of(self, pilot_id: int, pseudonym: str) -> frozenset[Role]:
        """The roles a person holds in a pilot."""
        rows = await self.db.fetch_all(
            "SELECT role FROM roles WHERE pilot_id = ? AND pseudonym = ?", (pilot_id, pseudonym)
        )
        return frozenset(row["role"] for row in rows)
