"""Reads for analysis: the pilot's check-in waves and its answers aggregated in SQL.

They run on the read-only connections (never inside a transaction): a long aggregation
reads a committed snapshot on the analysis connection while the writer goes on committing.

A closed wave no longer changes (no prompt of it is open, so no answer can be stored in it)
unless rows are erased, which migration 0014 counts per pilot. So the closed waves found and
the aggregates computed over them are kept per pilot, and read again only when a wave has
closed since or a row has been erased. The per-member sums are also kept on disk (migration
0021): a restart or an erasure reads them back (an erased member's row goes with their
answers) instead of passing over every answer again.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiosqlite

from bot.storage.db import Database
from bot.storage.repositories.base import Repository
from seroi.derivations import Aggregates, MemberAggregate, usual_mode
from seroi.indicators import COMMUTE_MODES, WHO5_ITEMS


@dataclass(frozen=True)
class WaveStatus:
    """One wave of a pilot (module and period): when its last prompt closes (UTC ISO), how
    many were prompted, how many answered, and how many prompts are still open."""

    module: str
    period: str
    closes_at: str
    prompted: int
    answered: int
    still_open: int = 0

    def closed_at(self, now: str) -> bool:
        """Whether the wave is over at `now` (UTC ISO): its answers no longer change."""
        return self.still_open == 0 and self.closes_at <= now


@dataclass
class _Known:
    """What is known of one pilot while no row of it is erased."""

    erasures: int
    # The longest run of waves, oldest first, that had all closed: nothing can change them.
    closed: list[WaveStatus] = field(default_factory=list)
    # Per member, the SQL sums over these closed waves (a new wave adds its own sums).
    summed: tuple[frozenset[WaveStatus], dict[str, dict[str, Any]]] | None = None
    aggregates: tuple[tuple[WaveStatus, ...], Aggregates] | None = None


class AnalysisReads(Repository):
    """The pilot's waves and answers, read for summaries, reports and exports."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self._known: dict[int, _Known] = {}
        self._computing: dict[tuple[int, tuple[WaveStatus, ...]], asyncio.Future[Aggregates]] = {}

    async def _erasures(self, pilot_id: int) -> int:
        """How many of the pilot's check-in rows have been deleted so far."""
        row = await self.db.fetch_one(
            "SELECT rows_deleted FROM analysis_erasures WHERE pilot_id = ?", (pilot_id,)
        )
        return row["rows_deleted"] if row else 0

    async def _known_of(self, pilot_id: int) -> _Known:
        erasures = await self._erasures(pilot_id)
        known = self._known.get(pilot_id)
        if known is None or known.erasures != erasures:
            # Erased rows change counts and aggregates: forget them, with what they held.
            known = self._known[pilot_id] = _Known(erasures)
        return known

    async def waves(self, pilot_id: int, now: str) -> tuple[list[WaveStatus], list[WaveStatus]]:
        """The pilot's closed waves and those still running at `now` (UTC ISO), oldest first."""
        known = await self._known_of(pilot_id)
        after = known.closed[-1].period if known.closed else ""
        rows = await self.db.fetch_all(
            "SELECT module, period, MAX(closes_at) AS closes_at, COUNT(*) AS prompted, "
            "SUM(status = 'answered') AS answered, SUM(status = 'open') AS still_open "
            "FROM checkin_prompts WHERE pilot_id = ? AND period > ? "
            "GROUP BY period, module ORDER BY period, module",
            (pilot_id, after),
        )
        # Another request may have extended the run while this one read (a summary during
        # the tick's preparation): its waves are not added twice.
        after = known.closed[-1].period if known.closed else ""
        recent = [WaveStatus(**dict(row)) for row in rows if row["period"] > after]
        fresh = 0
        while fresh < len(recent) and recent[fresh].closed_at(now):
            fresh += 1
        # Only whole periods join the run (another module's wave of the period may follow).
        while fresh and fresh < len(recent) and recent[fresh].period == recent[fresh - 1].period:
            fresh -= 1
        known.closed.extend(recent[:fresh])
        closed = [*known.closed, *(wave for wave in recent[fresh:] if wave.closed_at(now))]
        return closed, [wave for wave in recent[fresh:] if not wave.closed_at(now)]

    async def export_rows(self, pilot_id: int, waves: Sequence[WaveStatus]) -> list[aiosqlite.Row]:
        """Every stored answer of these waves (skips as NULL, derived values too), with the
        script asked and the member's traits, by script, member and period."""
        return await self.db.fetch_all_long(
            "SELECT pr.script, a.pseudonym, a.period, a.item, a.value, m.stakeholder_group, "
            "m.distance_band FROM checkin_answers a JOIN checkin_prompts pr "
            "ON pr.pilot_id = a.pilot_id AND pr.pseudonym = a.pseudonym AND pr.module = a.module "
            "AND pr.period = a.period "
            "LEFT JOIN members m ON m.pilot_id = a.pilot_id AND m.pseudonym = a.pseudonym "
            "WHERE a.pilot_id = ? "
            "AND (a.module, a.period) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?)) "
            "ORDER BY pr.script, a.pseudonym, a.period",
            (pilot_id, _wave_keys(waves)),
        )

    async def aggregates(self, pilot_id: int, waves: Sequence[WaveStatus]) -> Aggregates:
        """The answers of these (closed) waves per member, as the SEROI+ derivations read them.

        Per member and period, then per member, so Python sees one row per member, never
        one per answer. The sums are kept in memory and on disk: after a wave closes, only
        its answers are read (period index) and added; after a restart or an erasure, the
        sums on disk are read back. One pass over every answer in primary-key order fills
        them the first time (or when they no longer fit the waves asked for, such as a
        wave that an erasure left too small to show). Two requests at once share one pass.
        """
        known = await self._known_of(pilot_id)
        key = tuple(waves)
        if known.aggregates is not None and known.aggregates[0] == key:
            return known.aggregates[1]
        computing = self._computing.get((pilot_id, key))
        if computing is not None:
            return await asyncio.shield(computing)
        future = asyncio.ensure_future(self._aggregate(pilot_id, key, known))
        self._computing[(pilot_id, key)] = future
        try:
            aggregates = await asyncio.shield(future)
        finally:
            self._computing.pop((pilot_id, key), None)
        if self._known.get(pilot_id) is known:
            known.aggregates = (key, aggregates)
        return aggregates

    async def _aggregate(
        self, pilot_id: int, waves: tuple[WaveStatus, ...], known: _Known
    ) -> Aggregates:
        wanted = frozenset(waves)
        summed_waves, summed = known.summed or await self._stored_sums(pilot_id, waves)
        if not summed_waves <= wanted:
            summed_waves, summed = frozenset(), {}
        new = [wave for wave in waves if wave not in summed_waves]
        if new:
            # The first time, one pass over every answer in key order; then, through the
            # period index, the new waves' answers alone.
            sql = _MEMBERS_OF_NEW_WAVES if summed_waves else _MEMBERS
            rows = await self.db.fetch_all_long(sql, (pilot_id, _wave_keys(new)))
            # Thousands of members: added up in a worker thread, so the event loop goes on.
            summed = await asyncio.to_thread(_added, summed, rows)
        known.summed = (wanted, summed)
        if not new:
            return await asyncio.to_thread(_aggregates_of, summed)
        # Written while the derivations' view is built (the write waits on SQLite mostly).
        _stored, aggregates = await asyncio.gather(
            self._store_sums(pilot_id, known.erasures, waves, summed),
            asyncio.to_thread(_aggregates_of, summed),
        )
        return aggregates

    async def _stored_sums(
        self, pilot_id: int, waves: Sequence[WaveStatus]
    ) -> tuple[frozenset[WaveStatus], dict[str, dict[str, Any]]]:
        """The sums on disk and the waves they cover, if these are among `waves` (else none).

        One statement, so the waves and the rows come from one committed snapshot; the rows
        as one JSON object, so Python parses one document, not one per member.
        """
        stored = await self.db.fetch_all_long(
            "SELECT waves, names, layout, (SELECT '{' || group_concat(json_quote(pseudonym) "
            "|| ':' || sums, ',') || '}' FROM analysis_sums WHERE pilot_id = ?1) AS sums "
            "FROM analysis_summed WHERE pilot_id = ?1",
            (pilot_id,),
        )
        if not stored or stored[0]["layout"] != _LAYOUT:
            return frozenset(), {}
        by_key = {_stored_key(wave): wave for wave in waves}
        keys = [tuple(key) for key in json.loads(stored[0]["waves"])]
        if not all(key in by_key for key in keys):
            return frozenset(), {}
        summed = await asyncio.to_thread(
            _decoded, json.loads(stored[0]["names"]), stored[0]["sums"]
        )
        return frozenset(by_key[key] for key in keys), summed

    async def _store_sums(
        self,
        pilot_id: int,
        erasures: int,
        waves: Sequence[WaveStatus],
        summed: dict[str, dict[str, Any]],
    ) -> None:
        """Keep the sums over `waves` on disk, in place of those kept before."""
        names = [name for name in next(iter(summed.values()), {}) if name != "pseudonym"]
        encoded = await asyncio.to_thread(_encoded, names, summed)
        async with self.db.transaction():
            if await self._erasures(pilot_id) != erasures:
                # Rows were erased since the answers were read: these sums may hold them.
                return
            await self.db.execute("DELETE FROM analysis_sums WHERE pilot_id = ?", (pilot_id,))
            await self.db.execute(
                "INSERT INTO analysis_sums (pilot_id, pseudonym, sums) "
                "SELECT ?, key, value FROM json_each(?)",
                (pilot_id, encoded),
            )
            await self.db.execute(
                "INSERT INTO analysis_summed (pilot_id, waves, names, layout) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (pilot_id) DO UPDATE SET "
                "waves = excluded.waves, names = excluded.names, layout = excluded.layout",
                (
                    pilot_id,
                    json.dumps([_stored_key(wave) for wave in waves]),
                    json.dumps(names),
                    _LAYOUT,
                ),
            )


def _stored_key(wave: WaveStatus) -> tuple[str, str, str]:
    """What identifies a closed wave on disk. Its counts are left out: an erasure lowers
    them, while the others' sums stay true. A prompt added to the wave later would move
    its closing time, so sums stored before it no longer fit."""
    return (wave.module, wave.period, wave.closes_at)


def _encoded(names: list[str], summed: dict[str, dict[str, Any]]) -> str:
    """The sums as one JSON object: by member, an array in the order of `names`."""
    return json.dumps({member: [sums[name] for name in names] for member, sums in summed.items()})


def _decoded(names: list[str], stored: str | None) -> dict[str, dict[str, Any]]:
    """The sums of each member as `_encoded` stored them (None: no member)."""
    return {
        member: dict(zip(names, values, strict=True), pseudonym=member)
        for member, values in json.loads(stored or "{}").items()
    }


def _aggregates_of(summed: dict[str, dict[str, Any]]) -> Aggregates:
    """The derivations' view of each member's sums."""
    answered = frozenset(
        item for item in _ANSWERED if any(sums[f"answered_{item}"] for sums in summed.values())
    )
    return Aggregates(tuple(_member(summed[member]) for member in sorted(summed)), answered)


def _added(summed: dict[str, dict[str, Any]], rows: list[aiosqlite.Row]) -> dict[str, dict]:
    """Per member, the sums of two sets of waves: counts and totals add up, the first and
    latest answers (kept as `period || value`) are the smaller and the larger."""
    result = dict(summed)
    if not rows:
        return result
    names = rows[0].keys()
    combine = [_combination(name) for name in names]
    for row in rows:
        before = result.get(row["pseudonym"])
        if before is None:
            result[row["pseudonym"]] = dict(zip(names, row, strict=True))
        else:
            result[row["pseudonym"]] = {
                name: join(before[name], value)
                for name, join, value in zip(names, combine, row, strict=True)
            }
    return result


def _combination(name: str) -> Callable[[Any, Any], Any]:
    """How a column of two sets of waves combines (None: nothing in that set)."""
    if name == "pseudonym":
        return lambda before, _after: before
    if name.endswith("_first"):
        join = min
    elif name.startswith(_LATEST):
        join = max
    else:
        join = operator.add
    return lambda before, after: (
        after if before is None else before if after is None else join(before, after)
    )


def _wave_keys(waves: Sequence[WaveStatus]) -> str:
    return json.dumps([[wave.module, wave.period] for wave in waves])


# The answers of the waves given as JSON [[module, period], ...].
_IN_WAVES = "(module, period) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?2))"
# The same, in a form the period index serves.
_IN_WAVE_PERIODS = f"period IN (SELECT value ->> 1 FROM json_each(?2)) AND {_IN_WAVES}"


# Per member and period: the answers of the items the derivations read, one column each.
_PERIODS = (
    """
    SELECT pseudonym, period,
        MAX(item IN ('work_days', 'home_days', 'hub_days', 'commute_mode')) AS weekly,
        CAST(MAX(CASE item WHEN 'work_days' THEN value END) AS REAL) AS work,
        CAST(MAX(CASE item WHEN 'home_days' THEN value END) AS REAL) AS home,
        CAST(MAX(CASE item WHEN 'hub_days' THEN value END) AS REAL) AS hub,
        MAX(CASE item WHEN 'commute_mode' THEN value END) AS mode,
        MAX(CASE item WHEN 'distance_band' THEN value END) AS band,
        MAX(CASE item WHEN 'ons_life_satisfaction' THEN value END) AS life,
    """
    + ",\n".join(
        f"CAST(MAX(CASE item WHEN '{item}' THEN value END) AS REAL) AS {item}"
        for item in WHO5_ITEMS
    )
    + """
    FROM checkin_answers {index}
    WHERE pilot_id = ?1 AND derived = 0 AND value IS NOT NULL
        AND {in_waves}
    GROUP BY pseudonym, period
    """
)

# Each observed week's figures, as seroi.derivations.week_figures computes them.
_WEEKS = f"""
    SELECT *,
        CASE WHEN work IS NULL THEN COALESCE(home, 0) + COALESCE(hub, 0)
            ELSE MIN(COALESCE(home, 0) + COALESCE(hub, 0), work) END AS remote,
        CASE WHEN work IS NULL THEN COALESCE(home, 0)
            ELSE MIN(COALESCE(home, 0), work) END AS home_only,
        {" + ".join(WHO5_ITEMS)} AS who5_sum
    FROM ({{periods}})
"""


def _mode_columns(mode: str, number: int) -> str:
    return (
        f"TOTAL(CASE WHEN weekly AND mode = '{mode}' "
        f"THEN MAX(COALESCE(work, 0) - remote, 0) END) AS workplace_{number}, "
        f"SUM(mode = '{mode}') AS mode_answers_{number}, "
        f"MAX(CASE WHEN mode = '{mode}' THEN period END) AS mode_last_{number}"
    )


# Per member.
_MEMBERS_TEMPLATE = f"""
    SELECT pseudonym,
        SUM(weekly) AS weeks,
        TOTAL(CASE WHEN weekly THEN COALESCE(work, 0) END) AS work_days,
        TOTAL(CASE WHEN weekly THEN remote END) AS remote_days,
        TOTAL(CASE WHEN weekly THEN home_only END) AS home_days,
        {", ".join(_mode_columns(mode, number) for number, mode in enumerate(COMMUTE_MODES))},
        MAX(CASE WHEN band IS NOT NULL THEN period || band END) AS band,
        COUNT(life) AS life_answers,
        MIN(CASE WHEN life IS NOT NULL THEN period || life END) AS life_first,
        MAX(CASE WHEN life IS NOT NULL THEN period || life END) AS life_last,
        COUNT(who5_sum) AS who5_waves,
        MIN(CASE WHEN who5_sum IS NOT NULL THEN period || who5_sum END) AS who5_first,
        MAX(CASE WHEN who5_sum IS NOT NULL THEN period || who5_sum END) AS who5_last,
        MAX(work IS NOT NULL) AS answered_work_days,
        MAX(home IS NOT NULL) AS answered_home_days,
        MAX(hub IS NOT NULL) AS answered_hub_days,
        MAX(mode IS NOT NULL) AS answered_commute_mode,
        MAX(band IS NOT NULL) AS answered_distance_band,
        MAX(life IS NOT NULL) AS answered_ons_life_satisfaction,
        {", ".join(f"MAX({item} IS NOT NULL) AS answered_{item}" for item in WHO5_ITEMS)}
    FROM ({{weeks}})
    GROUP BY pseudonym
"""


def _members_sql(index: str, in_waves: str) -> str:
    """The per-member sums, reading the answers through `index` (empty: the primary key)."""
    periods = _PERIODS.format(index=index, in_waves=in_waves)
    return _MEMBERS_TEMPLATE.format(weeks=_WEEKS.format(periods=periods))


# One pass over all the answers in key order (many waves).
_MEMBERS = _members_sql("", _IN_WAVES)
# The answers of a few new waves, through the period index rather than a pass over all.
_MEMBERS_OF_NEW_WAVES = _members_sql("INDEXED BY checkin_answers_by_period", _IN_WAVE_PERIODS)
# What the sums on disk were computed by: sums of another layout are computed afresh.
_LAYOUT = hashlib.sha256(_MEMBERS.encode()).hexdigest()[:16]
_ANSWERED = (
    "work_days",
    "home_days",
    "hub_days",
    "commute_mode",
    "distance_band",
    "ons_life_satisfaction",
    *WHO5_ITEMS,
)
_PERIOD_LENGTH = len("2025-03-03")
# Columns that hold the latest of something (the rest are counts and totals, or firsts).
_LATEST = ("mode_last_", "band", "life_last", "who5_last", "answered_")


def _member(row: Mapping[str, Any]) -> MemberAggregate:
    modes = {
        mode: (row[f"mode_answers_{number}"], row[f"mode_last_{number}"])
        for number, mode in enumerate(COMMUTE_MODES)
        if row[f"mode_answers_{number}"]
    }
    return MemberAggregate(
        member=row["pseudonym"],
        weeks=row["weeks"],
        work_days=row["work_days"],
        remote_days=row["remote_days"],
        home_days=row["home_days"],
        workplace_days_by_mode={
            mode: row[f"workplace_{number}"]
            for number, mode in enumerate(COMMUTE_MODES)
            if row[f"mode_answers_{number}"]
        },
        usual_mode=usual_mode(modes),
        distance_band=row["band"][_PERIOD_LENGTH:] if row["band"] else None,
        life_satisfaction=_first_and_last(row, "life"),
        who5=_first_and_last(row, "who5"),
    )


def _first_and_last(row: Mapping[str, Any], name: str) -> tuple[float, float] | None:
    """(first, last) of a member's answers, kept as `period || value`; None below two."""
    count = row["life_answers" if name == "life" else "who5_waves"]
    if count < 2:
        return None
    return (
        float(row[f"{name}_first"][_PERIOD_LENGTH:]),
        float(row[f"{name}_last"][_PERIOD_LENGTH:]),
    )
