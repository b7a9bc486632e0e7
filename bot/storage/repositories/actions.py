"""The pilots' actions: read here for step 4; step 3 (idea rounds) creates them."""

from __future__ import annotations

import aiosqlite

from bot.storage.db import utc_now
from bot.storage.models import Action
from bot.storage.repositories.base import Repository


class Actions(Repository):
    """A pilot's actions, oldest first."""

    async def of_pilot(self, pilot_id: int) -> list[Action]:
        """Every action of the pilot, oldest first."""
        rows = await self.db.fetch_all(
            "SELECT * FROM actions WHERE pilot_id = ? ORDER BY id", (pilot_id,)
        )
        return [_action(row) for row in rows]

    async def get(self, pilot_id: int, action_id: int) -> Action | None:
        """The pilot's action with this id, or None."""
        row = await self.db.fetch_one(
            "SELECT * FROM actions WHERE pilot_id = ? AND id = ?", (pilot_id, action_id)
        )
        return _action(row) if row else None

    async def add(self, pilot_id: int, title: str, budget_eur: float) -> Action:
        """A planned action (the idea rounds of step 3 make them; the demo and tests too)."""
        cursor = await self.db.execute(
            "INSERT INTO actions (pilot_id, title, budget_eur, created_at) VALUES (?, ?, ?, ?)",
            (pilot_id, title, budget_eur, utc_now()),
        )
        return Action(
            id=cursor.lastrowid,
            pilot_id=pilot_id,
            title=title,
            budget_eur=budget_eur,
            status="planned",
        )

    async def set_status(self, action_id: int, status: str, expected: str) -> bool:
        """Move an action on (planned → started → done), if it is still at `expected`."""
        cursor = await self.db.execute(
            "UPDATE actions SET status = ? WHERE id = ? AND status = ?",
            (status, action_id, expected),
        )
        return cursor.rowcount == 1


def _action(row: aiosqlite.Row) -> Action:
    return Action.model_validate(dict(row))
