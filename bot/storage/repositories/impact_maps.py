"""The versions of each pilot's impact map, and the edits coordinators have under way."""

from __future__ import annotations

import json

import aiosqlite

from bot.storage.db import utc_now
from bot.storage.models import MapEdit, MapEditStep, MapVersion
from bot.storage.repositories.base import Repository


class ImpactMaps(Repository):
    """A pilot's impact map as numbered versions (the newest is the current map)."""

    async def current(self, pilot_id: int) -> MapVersion | None:
        """The newest version of the pilot's map, or None if it has none."""
        row = await self.db.fetch_one(
            "SELECT * FROM impact_map_versions WHERE pilot_id = ? ORDER BY number DESC LIMIT 1",
            (pilot_id,),
        )
        return _version(row) if row else None

    async def history(self, pilot_id: int, limit: int) -> list[MapVersion]:
        """The newest `limit` versions, newest first."""
        rows = await self.db.fetch_all(
            "SELECT * FROM impact_map_versions WHERE pilot_id = ? ORDER BY number DESC LIMIT ?",
            (pilot_id, limit),
        )
        return [_version(row) for row in rows]

    async def add(
        self,
        pilot_id: int,
        yaml: str,
        actor: str,
        source: str,
        changes: list[tuple[str, str, tuple[str, ...]]],
    ) -> MapVersion:
        """Store the next version (numbered within the current transaction, so never twice)."""
        rows = await self.db.fetch_all(
            "SELECT COALESCE(MAX(number), 0) + 1 FROM impact_map_versions WHERE pilot_id = ?",
            (pilot_id,),
        )
        number = rows[0][0]
        created_at = utc_now()
        await self.db.execute(
            "INSERT INTO impact_map_versions (pilot_id, number, yaml, actor, source, changes, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (pilot_id, number, yaml, actor, source, json.dumps(changes), created_at),
        )
        return MapVersion(
            pilot_id=pilot_id,
            number=number,
            yaml=yaml,
            actor=actor,
            source=source,
            changes=changes,
            created_at=created_at,
        )

    async def edit_of(self, pilot_id: int, pseudonym: str) -> MapEdit | None:
        """The coordinator's edit under way in this pilot, or None."""
        row = await self.db.fetch_one(
            "SELECT * FROM map_edits WHERE pilot_id = ? AND pseudonym = ?", (pilot_id, pseudonym)
        )
        return MapEdit.model_validate(dict(row)) if row else None

    async def set_edit(
        self,
        pilot_id: int,
        pseudonym: str,
        action_id: int,
        step: MapEditStep,
        indicator: str | None = None,
        outcome_id: str | None = None,
    ) -> None:
        """Start or move on the coordinator's edit."""
        await self.db.execute(
            "INSERT INTO map_edits (pilot_id, pseudonym, action_id, indicator, outcome_id, step, "
            "started_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (pilot_id, pseudonym) DO UPDATE "
            "SET action_id = excluded.action_id, indicator = excluded.indicator, "
            "outcome_id = excluded.outcome_id, step = excluded.step",
            (pilot_id, pseudonym, action_id, indicator, outcome_id, step, utc_now()),
        )

    async def end_edit(self, pilot_id: int, pseudonym: str) -> None:
        """The coordinator's edit is done (or abandoned)."""
        await self.db.execute(
            "DELETE FROM map_edits WHERE pilot_id = ? AND pseudonym = ?", (pilot_id, pseudonym)
        )


def _version(row: aiosqlite.Row) -> MapVersion:
    data = dict(row)
    data["changes"] = [tuple(change) for change in json.loads(data["changes"])]
    return MapVersion.model_validate(data)
