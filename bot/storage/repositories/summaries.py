"""Coordinators' summaries: who may ask, participation, each closed wave's published figures,
the status of goals and ideas, and the weekly digest's subscribers."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.storage.db import utc_now
from bot.storage.models import Pilot
from bot.storage.repositories.base import Repository


@dataclass(frozen=True)
class WaveParticipation:
    """How one wave reached the members: prompts, answers, reminders, blocks."""

    module: str
    period: str
    prompted: int
    answered: int
    reminders: int
    blocked: int


@dataclass(frozen=True)
class WaveFigure:
    """One item of one closed wave as published: how many answered it, and the mean."""

    module: str
    period: str
    item: str
    answered: int
    mean: float | None


@dataclass(frozen=True)
class DigestDue:
    """A subscribed coordinator who has not had the digest of a closed weekly wave."""

    pilot_id: int
    pseudonym: str
    chat_id: int
    language: str | None
    period: str


# A coordinator's roles count unless they withdrew from the pilot, or stopped all
# processing without being a member (as `bot.chat.caller.Caller.roles_suspended` reads).
_COORDINATING = (
    "r.role = 'coordinator' AND NOT EXISTS (SELECT 1 FROM members m WHERE m.pilot_id = r.pilot_id "
    "AND m.pseudonym = r.pseudonym AND m.status = 'withdrawn') AND (EXISTS (SELECT 1 FROM "
    "members m WHERE m.pilot_id = r.pilot_id AND m.pseudonym = r.pseudonym) OR "
    "(SELECT processing_stopped_at FROM people WHERE pseudonym = r.pseudonym) IS NULL)"
)


class Summaries(Repository):
    """Reads (and the few writes) behind /summary and the weekly digest."""

    async def coordinated(self, pseudonym: str) -> list[Pilot]:
        """The pilots this person coordinates now, oldest first."""
        rows = await self.db.fetch_all(
            f"SELECT p.* FROM pilots p JOIN roles r ON r.pilot_id = p.id "
            f"WHERE r.pseudonym = ? AND {_COORDINATING} ORDER BY p.id",
            (pseudonym,),
        )
        return [Pilot.model_validate(dict(row)) for row in rows]

    async def members(self, pilot_id: int) -> tuple[int, int]:
        """How many have joined the pilot (withdrawn ones included), and how many are active."""
        row = await self.db.fetch_one(
            "SELECT COUNT(*) AS joined, COALESCE(SUM(status = 'active'), 0) AS active "
            "FROM members WHERE pilot_id = ?",
            (pilot_id,),
        )
        return row["joined"], row["active"]

    async def participation(self, pilot_id: int) -> list[WaveParticipation]:
        """Every wave of the pilot, oldest first, with its prompts, answers, reminders, blocks.

        A pass over all the pilot's prompts: on the analysis connection, like the other long
        reads, so the short reads of residents' updates do not queue behind it."""
        rows = await self.db.fetch_all_long(
            "SELECT module, period, COUNT(*) AS prompted, SUM(status = 'answered') AS answered, "
            "SUM(reminders) AS reminders, SUM(status = 'blocked') AS blocked "
            "FROM checkin_prompts WHERE pilot_id = ? GROUP BY module, period "
            "ORDER BY period, module",
            (pilot_id,),
        )
        return [WaveParticipation(*tuple(row)) for row in rows]

    async def wave_figures(
        self, pilot_id: int, waves: Sequence[tuple[str, str]], items: Iterable[str]
    ) -> list[WaveFigure]:
        """The published figures of these closed waves (module, period) for these items.

        A wave asked for the first time is computed from its answers on the analysis
        connection, outside any transaction (the writer is not held while every answer of
        the waves is read), then stored in a short one. The first figures stored win, so
        two requests at once publish one set, and later requests show the same figures
        whatever is erased.
        """
        wanted = sorted(set(items))
        published = await self._published(pilot_id, waves, wanted)
        have = {(figure.module, figure.period, figure.item) for figure in published}
        missing = [
            (module, period)
            for module, period in waves
            if any((module, period, item) not in have for item in wanted)
        ]
        if not missing:
            return published
        rows = await self.db.fetch_all_long(
            "SELECT module, period, item, COUNT(*), AVG(CAST(value AS REAL)) "
            "FROM checkin_answers INDEXED BY checkin_answers_by_period WHERE pilot_id = ? "
            "AND period IN (SELECT value ->> 1 FROM json_each(?2)) "
            "AND (module, period) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?2)) "
            "AND item IN (SELECT value FROM json_each(?3)) AND derived = 0 "
            "AND value IS NOT NULL GROUP BY module, period, item",
            (pilot_id, json.dumps(missing), json.dumps(wanted)),
        )
        computed = {(row[0], row[1], row[2]): (row[3], row[4]) for row in rows}
        async with self.db.transaction():
            # An item nobody answered in a wave is published as such, not filled in later.
            await self.db.executemany(
                "INSERT OR IGNORE INTO wave_figures (pilot_id, module, period, item, "
                "answered, mean) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        pilot_id,
                        module,
                        period,
                        item,
                        *computed.get((module, period, item), (0, None)),
                    )
                    for module, period in missing
                    for item in wanted
                ],
            )
        return await self._published(pilot_id, waves, wanted)

    async def _published(
        self, pilot_id: int, waves: Sequence[tuple[str, str]], items: Sequence[str]
    ) -> list[WaveFigure]:
        rows = await self.db.fetch_all(
            "SELECT module, period, item, answered, mean FROM wave_figures WHERE pilot_id = ? "
            "AND module || ' ' || period IN (SELECT value FROM json_each(?)) "
            "AND item IN (SELECT value FROM json_each(?)) ORDER BY period, module, item",
            (pilot_id, _wave_keys(waves), json.dumps(list(items))),
        )
        return [WaveFigure(*tuple(row)) for row in rows]

    async def published_return_of(
        self, pilot_id: int, map_version: int, waves: Sequence[tuple[str, str]]
    ) -> str | None:
        """The return published for this map version and these closed waves (JSON), if any."""
        row = await self.db.fetch_one(
            "SELECT figures FROM published_returns WHERE pilot_id = ? AND map_version = ? "
            "AND waves = ?",
            (pilot_id, map_version, _wave_keys(waves)),
        )
        return row["figures"] if row else None

    async def published_return(
        self, pilot_id: int, map_version: int, waves: Sequence[tuple[str, str]], figures: str
    ) -> str:
        """The return first published for this map version and these closed waves.

        `figures` (JSON) is stored if none was yet; the stored one comes back either way.
        """
        keys = _wave_keys(waves)
        async with self.db.transaction():
            await self.db.execute(
                "INSERT OR IGNORE INTO published_returns (pilot_id, map_version, waves, figures) "
                "VALUES (?, ?, ?, ?)",
                (pilot_id, map_version, keys, figures),
            )
            row = await self.db.fetch_one(
                "SELECT figures FROM published_returns WHERE pilot_id = ? AND map_version = ? "
                "AND waves = ?",
                (pilot_id, map_version, keys),
            )
        return row["figures"]

    async def proposal_status(self, pilot_id: int) -> dict[tuple[str, str], int]:
        """How many goals and ideas (kind, status) the pilot has, drafts left out."""
        rows = await self.db.fetch_all(
            "SELECT r.kind, p.status, COUNT(*) FROM proposals p JOIN rounds r ON r.id = p.round_id "
            "WHERE r.pilot_id = ? AND p.status != 'draft' GROUP BY r.kind, p.status",
            (pilot_id,),
        )
        return {(row[0], row[1]): row[2] for row in rows}

    async def action_status(self, pilot_id: int) -> dict[str, int]:
        """How many of the pilot's actions are planned, started, done."""
        rows = await self.db.fetch_all(
            "SELECT status, COUNT(*) FROM actions WHERE pilot_id = ? GROUP BY status", (pilot_id,)
        )
        return {row[0]: row[1] for row in rows}

    async def set_digest(self, pilot_id: int, pseudonym: str, since: str | None) -> None:
        """Subscribe a coordinator to the weekly digest from `since` (UTC ISO), or (None) not."""
        if since is not None:
            await self.db.execute(
                "INSERT OR IGNORE INTO digest_subscribers (pilot_id, pseudonym, since) "
                "VALUES (?, ?, ?)",
                (pilot_id, pseudonym, since),
            )
        else:
            await self.db.execute(
                "DELETE FROM digest_subscribers WHERE pilot_id = ? AND pseudonym = ?",
                (pilot_id, pseudonym),
            )

    async def latest_closings(self, now: str) -> dict[int, str]:
        """Per pilot, when its latest wave to have closed by `now` (UTC ISO) closed.

        From `checkin_waves`, a few rows per pilot and wave: cheap enough for every tick.
        A wave counts here once its closing time has passed, even if a prompt of it is
        still open (`AnalysisReads.waves` says when it is over for the analysis)."""
        rows = await self.db.fetch_all(
            "SELECT pilot_id, MAX(closes_at) FROM checkin_waves WHERE closes_at <= ? "
            "GROUP BY pilot_id",
            (now,),
        )
        return {row[0]: row[1] for row in rows}

    async def digests_due(self, now: str, limit: int) -> list[DigestDue]:
        """Subscribed coordinators and the latest closed weekly wave they have not had.

        Only waves that closed after the coordinator subscribed count, so subscribing
        does not send a backlog.
        """
        rows = await self.db.fetch_all(
            "WITH latest AS (SELECT pilot_id, MAX(period) AS period, MAX(closes_at) AS closes_at "
            "FROM checkin_waves WHERE module = 'weekly' AND closes_at <= ? GROUP BY pilot_id) "
            "SELECT s.pilot_id, s.pseudonym, c.chat_id, p.language, l.period "
            "FROM digest_subscribers s JOIN latest l ON l.pilot_id = s.pilot_id "
            "JOIN contacts c ON c.pseudonym = s.pseudonym AND c.active = 1 "
            "JOIN people p ON p.pseudonym = s.pseudonym "
            "JOIN roles r ON r.pilot_id = s.pilot_id AND r.pseudonym = s.pseudonym "
            f"WHERE {_COORDINATING} AND l.closes_at > s.since AND NOT EXISTS (SELECT 1 FROM "
            "digests_sent d WHERE d.pilot_id = s.pilot_id AND d.pseudonym = s.pseudonym "
            "AND d.period = l.period) LIMIT ?",
            (now, limit),
        )
        return [DigestDue(*tuple(row)) for row in rows]

    async def digest_sent(self, pilot_id: int, pseudonym: str, period: str) -> bool:
        """Mark a wave's digest sent to a coordinator; False if it already was."""
        cursor = await self.db.execute(
            "INSERT OR IGNORE INTO digests_sent (pilot_id, pseudonym, period, sent_at) "
            "VALUES (?, ?, ?, ?)",
            (pilot_id, pseudonym, period, utc_now()),
        )
        return cursor.rowcount == 1


def _wave_keys(waves: Sequence[tuple[str, str]]) -> str:
    return json.dumps([f"{module} {period}" for module, period in waves])
