"""Reads for analysis: the pilot's check-in waves and its answers aggregated in SQL.

Every query here runs on the read-only connection (never inside a transaction), so a long
aggregation reads a committed snapshot while the writer goes on committing (WAL).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from bot.storage.repositories.base import Repository


@dataclass(frozen=True)
class WaveStatus:
    """One wave of a pilot (module and period) and when its last prompt closes (UTC ISO)."""

    module: str
    period: str
    closes_at: str
    prompted: int
    answered: int


class AnalysisReads(Repository):
    """The pilot's waves and answers, read for summaries, reports and exports."""

    async def waves(self, pilot_id: int) -> list[WaveStatus]:
        """Every wave of the pilot, oldest period first, with its prompts and answers."""
        rows = await self.db.fetch_all(
            "SELECT module, period, MAX(closes_at) AS closes_at, COUNT(*) AS prompted, "
            "SUM(status = 'answered') AS answered FROM checkin_prompts WHERE pilot_id = ? "
            "GROUP BY module, period ORDER BY period, module",
            (pilot_id,),
        )
        return [
            WaveStatus(
                row["module"], row["period"], row["closes_at"], row["prompted"], row["answered"]
            )
            for row in rows
        ]

    async def answers(
        self, pilot_id: int, waves: Sequence[WaveStatus]
    ) -> list[tuple[str, str, str, str]]:
        """(pseudonym, period, item, value) of the answers of these waves, skips left out."""
        rows = await self.db.fetch_all(
            "SELECT pseudonym, period, item, value FROM checkin_answers "
            "WHERE pilot_id = ? AND derived = 0 AND value IS NOT NULL "
            "AND module || ' ' || period IN (SELECT value FROM json_each(?)) "
            "ORDER BY period, pseudonym, item",
            (pilot_id, _wave_keys(waves)),
        )
        return [(row[0], row[1], row[2], row[3]) for row in rows]


def _wave_keys(waves: Sequence[WaveStatus]) -> str:
    return json.dumps([f"{wave.module} {wave.period}" for wave in waves])
