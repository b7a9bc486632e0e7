"""Reads for analysis: the pilot's check-in waves and its answers aggregated in SQL.

They run on the read-only connections (never inside a transaction): a long aggregation
reads a committed snapshot on the analysis connection while the writer goes on committing.

A closed wave no longer changes (no prompt of it is open, so no answer can be stored in it)
unless rows are erased, which migration 0014 counts per pilot. So the closed waves found and
the aggregates computed over them are kept per pilot, and read again only when a wave has
closed since or a row has been erased. Both are also kept on disk: the run of closed waves
with its counts (migration 0023; a trigger subtracts erased prompts) and the per-member sums
(migration 0021; an erased member's row goes with their answers), so a restart or an
erasure reads them back instead of counting every prompt and passing over every answer
again. They are cache writes, made in the background once the result that needed them is
out (`Database.in_background`), each with the waves it covers in its own transaction.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiosqlite

from bot.storage.db import Database
from bot.storage.repositories.base import Repository
from seroi.derivations import Aggregates, MemberAggregate, usual_mode
from seroi.indicators import COMMUTE_MODES, WHO5_ITEMS

# Per member (pseudonym), the SQL sums over a set of waves, in the order of `_NAMES`.
Sums = dict[str, Sequence[Any]]


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
    # Whether that run was read back from disk (analysis_closed_waves) yet.
    loaded: bool = False
    # Per member, the SQL sums over these closed waves (a new wave adds its own sums).
    summed: tuple[frozenset[WaveStatus], Sums] | None = None
    aggregates: tuple[tuple[WaveStatus, ...], Aggregates] | None = None


class AnalysisReads(Repository):
    """The pilot's waves and answers, read for summaries, reports and exports."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self._known: dict[int, _Known] = {}
        self._computing: dict[tuple[int, tuple[WaveStatus, ...]], asyncio.Future[Aggregates]] = {}
        # Per pilot, the latest sums still to be written to disk (erasures counted when
        # their answers were read, their waves, the sums), and the pilots being written.
        self._unwritten: dict[int, tuple[int, tuple[WaveStatus, ...], Sums]] = {}
        self._writing: set[int] = set()

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
        if not known.loaded:
            known.loaded = True
            known.closed = await self._kept_closed(pilot_id)
        after = known.closed[-1].period if known.closed else ""
        # Counted per status, in the covering index's order: a quarter faster than sums
        # of conditions over a year of prompts, which a restart or an erasure reads.
        rows = await self.db.fetch_all(
            "SELECT module, period, status, MAX(closes_at), COUNT(*) FROM checkin_prompts "
            "WHERE pilot_id = ? AND period > ? GROUP BY period, module, status",
            (pilot_id, after),
        )
        # Another request may have extended the run while this one read (a summary during
        # the tick's preparation): its waves are not added twice.
        after = known.closed[-1].period if known.closed else ""
        recent = _statuses(row for row in rows if row["period"] > after)
        fresh = 0
        while fresh < len(recent) and recent[fresh].closed_at(now):
            fresh += 1
        # Only whole periods join the run (another module's wave of the period may follow).
        while fresh and fresh < len(recent) and recent[fresh].period == recent[fresh - 1].period:
            fresh -= 1
        known.closed.extend(recent[:fresh])
        if fresh:
            self.db.in_background(
                self._keep_closed(pilot_id, known.erasures, tuple(known.closed)),
                f"closed waves of pilot {pilot_id}",
            )
        closed = [*known.closed, *(wave for wave in recent[fresh:] if wave.closed_at(now))]
        return closed, [wave for wave in recent[fresh:] if not wave.closed_at(now)]

    async def _kept_closed(self, pilot_id: int) -> list[WaveStatus]:
        """The run of closed waves kept on disk, with their counts as they are now."""
        rows = await self.db.fetch_all(
            "SELECT module, period, closes_at, prompted, answered FROM analysis_closed_waves "
            "WHERE pilot_id = ? AND prompted > 0 ORDER BY period, module",
            (pilot_id,),
        )
        return [WaveStatus(**dict(row)) for row in rows]

    async def _keep_closed(
        self, pilot_id: int, erasures: int, closed: tuple[WaveStatus, ...]
    ) -> None:
        """Keep the run of closed waves on disk (in the background: a cache), unless rows
        were erased since it was counted. Waves kept before stay as the trigger keeps them."""
        async with self.db.transaction():
            if await self._erasures(pilot_id) != erasures:
                return
            await self.db.executemany(
                "INSERT OR IGNORE INTO analysis_closed_waves "
                "(pilot_id, period, module, closes_at, prompted, answered) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        pilot_id,
                        wave.period,
                        wave.module,
                        wave.closes_at,
                        wave.prompted,
                        wave.answered,
                    )
                    for wave in closed
                ],
            )

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

        New sums are written to disk once the caller says its result is out (`write_back`),
        so that work does not hold it up.
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
        stored = None  # the sums on disk, still to be decoded
        if known.summed is not None:
            summed_waves, summed = known.summed
        else:
            (summed_waves, stored), summed = await self._stored_sums(pilot_id, waves), {}
        if not summed_waves <= wanted:
            summed_waves, summed, stored = frozenset(), {}, None
        new = [wave for wave in waves if wave not in summed_waves]

        async def decoded() -> Sums:
            return await asyncio.to_thread(json.loads, stored) if stored else summed

        async def read_new() -> list[aiosqlite.Row]:
            # The first time, one pass over every answer in key order; then, through the
            # period index, the new waves' answers alone.
            sql = _MEMBERS_OF_NEW_WAVES if summed_waves else _MEMBERS
            return await self.db.fetch_all_long(sql, (pilot_id, _wave_keys(new))) if new else []

        # The sums on disk are decoded while SQLite reads the new answers (it lets go of
        # the GIL meanwhile).
        summed, rows = await asyncio.gather(decoded(), read_new())
        if new:
            # Thousands of members: added up in a worker thread, so the event loop goes on.
            summed = await asyncio.to_thread(_added, summed, rows)
        known.summed = (wanted, summed)
        if new:
            self._unwritten[pilot_id] = (known.erasures, waves, summed)
        return await asyncio.to_thread(_aggregates_of, summed)

    def write_back(self, pilot_id: int) -> None:
        """Start keeping the pilot's new sums on disk, in the background (nothing waits for
        it; `Database.close` does). They are a cache: until they are written, the sums on
        disk (and the waves they cover, in the same transaction) stay those of fewer waves,
        so a write lost with the process only means those waves' answers are read again.
        Only a pilot's latest sums are written."""
        if pilot_id in self._unwritten and pilot_id not in self._writing:
            self._writing.add(pilot_id)
            self.db.in_background(self._write_back(pilot_id), f"analysis sums of pilot {pilot_id}")

    async def _write_back(self, pilot_id: int) -> None:
        try:
            while pilot_id in self._unwritten:
                await self._store_sums(pilot_id, *self._unwritten.pop(pilot_id))
        finally:
            self._writing.discard(pilot_id)

    async def _stored_sums(
        self, pilot_id: int, waves: Sequence[WaveStatus]
    ) -> tuple[frozenset[WaveStatus], str | None]:
        """The waves the sums on disk cover and those sums as one JSON object (member: their
        sums), if these waves are among `waves` (else none, None).

        One statement, so the waves and the rows come from one committed snapshot; the rows
        as one JSON object, so Python parses one document, not one per member.
        """
        stored = await self.db.fetch_all_long(
            "SELECT waves, layout, (SELECT '{' || group_concat(json_quote(pseudonym) "
            "|| ':' || sums, ',') || '}' FROM analysis_sums WHERE pilot_id = ?1) AS sums "
            "FROM analysis_summed WHERE pilot_id = ?1",
            (pilot_id,),
        )
        if not stored or stored[0]["layout"] != _LAYOUT:
            return frozenset(), None
        by_key = {_stored_key(wave): wave for wave in waves}
        keys = [tuple(key) for key in json.loads(stored[0]["waves"])]
        if not all(key in by_key for key in keys):
            return frozenset(), None
        return frozenset(by_key[key] for key in keys), stored[0]["sums"] or "{}"

    async def _store_sums(
        self,
        pilot_id: int,
        erasures: int,
        waves: Sequence[WaveStatus],
        summed: Sums,
    ) -> None:
        """Keep the sums over `waves` on disk, in place of those kept before, unless rows
        were erased since their answers were read (`erasures` then counted fewer)."""
        # As one JSON object, member: [sums in the order of _NAMES].
        encoded = await asyncio.to_thread(json.dumps, summed)
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
                    json.dumps(_NAMES),
                    _LAYOUT,
                ),
            )


def _statuses(counts: Iterable[Sequence[Any]]) -> list[WaveStatus]:
    """The waves, by period and module, of their prompts counted per status
    (module, period, status, latest closing time, prompts)."""
    waves: dict[tuple[str, str], dict[str, Any]] = {}
    for module, period, status, closes_at, prompts in counts:
        wave = waves.setdefault(
            (period, module),
            dict(module=module, period=period, closes_at=closes_at, prompted=0, answered=0),
        )
        wave["closes_at"] = max(wave["closes_at"], closes_at)
        wave["prompted"] += prompts
        if status == "answered":
            wave["answered"] = prompts
        elif status == "open":
            wave["still_open"] = prompts
    return [WaveStatus(**waves[key]) for key in sorted(waves)]


def _stored_key(wave: WaveStatus) -> tuple[str, str, str]:
    """What identifies a closed wave on disk. Its counts are left out: an erasure lowers
    them, while the others' sums stay true. A prompt added to the wave later would move
    its closing time, so sums stored before it no longer fit."""
    return (wave.module, wave.period, wave.closes_at)


def _aggregates_of(summed: Sums) -> Aggregates:
    """The derivations' view of each member's sums."""
    answered = frozenset(
        item for item, at in _ANSWERED_AT if any(sums[at] for sums in summed.values())
    )
    return Aggregates(tuple(_member(member, summed[member]) for member in sorted(summed)), answered)


def _added(summed: Sums, rows: Sequence[Sequence[Any]]) -> Sums:
    """Per member, the sums of two sets of waves (`rows`: pseudonym, then the sums of the
    other set), combined a column at a time as `_SUMS` says."""
    result = dict(summed)
    for row in rows:
        before = result.get(row[0])
        result[row[0]] = (
            tuple(row[1:]) if before is None else tuple(map(operator.call, _JOINS, before, row[1:]))
        )
    return result


def _earlier(before: str | None, after: str | None) -> str | None:
    """The first of two `period || value` answers (None: no answer in that set)."""
    return after if before is None else before if after is None else min(before, after)


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


# How a member's sums of two sets of waves combine: counts and totals add up, "answered"
# flags are either's (the larger), the first answers (kept as `period || value`, None when
# that set has none) the earlier. The latest answers are kept as `period || value` or ''
# (none), so the later is the larger too: a builtin, no Python call per member.
Join = Callable[[Any, Any], Any]


def _latest(value: str) -> str:
    """SQL: the largest `value` of a member's weeks, '' when none has one."""
    return f"COALESCE(MAX({value}), '')"


# The answers each "answered_" flag is about, by the week's column that holds them.
_ANSWERED = {
    "work_days": "work",
    "home_days": "home",
    "hub_days": "hub",
    "commute_mode": "mode",
    "distance_band": "band",
    "ons_life_satisfaction": "life",
    **{item: item for item in WHO5_ITEMS},
}

# Per member: each sum's name, its SQL over the member's weeks, and how two sets combine.
_SUMS: tuple[tuple[str, str, Join], ...] = (
    ("weeks", "SUM(weekly)", operator.add),
    ("work_days", "TOTAL(CASE WHEN weekly THEN COALESCE(work, 0) END)", operator.add),
    ("remote_days", "TOTAL(CASE WHEN weekly THEN remote END)", operator.add),
    ("home_days", "TOTAL(CASE WHEN weekly THEN home_only END)", operator.add),
    *(
        column
        for number, mode in enumerate(COMMUTE_MODES)
        for column in (
            (
                f"workplace_{number}",
                f"TOTAL(CASE WHEN weekly AND mode = '{mode}' "
                "THEN MAX(COALESCE(work, 0) - remote, 0) END)",
                operator.add,
            ),
            (
                f"mode_answers_{number}",
                f"COUNT(CASE WHEN mode = '{mode}' THEN 1 END)",
                operator.add,
            ),
            (f"mode_last_{number}", _latest(f"CASE WHEN mode = '{mode}' THEN period END"), max),
        )
    ),
    ("band", _latest("CASE WHEN band IS NOT NULL THEN period || band END"), max),
    ("life_answers", "COUNT(life)", operator.add),
    ("life_first", "MIN(CASE WHEN life IS NOT NULL THEN period || life END)", _earlier),
    ("life_last", _latest("CASE WHEN life IS NOT NULL THEN period || life END"), max),
    ("who5_waves", "COUNT(who5_sum)", operator.add),
    ("who5_first", "MIN(CASE WHEN who5_sum IS NOT NULL THEN period || who5_sum END)", _earlier),
    ("who5_last", _latest("CASE WHEN who5_sum IS NOT NULL THEN period || who5_sum END"), max),
    *(
        (f"answered_{item}", f"MAX({column} IS NOT NULL)", max)
        for item, column in _ANSWERED.items()
    ),
)
_NAMES = tuple(name for name, _sql, _join in _SUMS)
_JOINS = tuple(join for _name, _sql, join in _SUMS)
_AT = {name: number for number, name in enumerate(_NAMES)}

# Per member.
_MEMBERS_TEMPLATE = (
    "SELECT pseudonym, "
    + ", ".join(f"{sql} AS {name}" for name, sql, _join in _SUMS)
    + " FROM ({weeks}) GROUP BY pseudonym"
)


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
_PERIOD_LENGTH = len("2025-03-03")

# Where _member finds each mode's sums, and each answered flag, among a member's sums.
_MODES_AT = tuple(
    (mode, _AT[f"workplace_{number}"], _AT[f"mode_answers_{number}"], _AT[f"mode_last_{number}"])
    for number, mode in enumerate(COMMUTE_MODES)
)
_ANSWERED_AT = tuple((item, _AT[f"answered_{item}"]) for item in _ANSWERED)
_WEEKS_AT, _WORK_AT, _REMOTE_AT, _HOME_AT, _BAND_AT = (
    _AT[name] for name in ("weeks", "work_days", "remote_days", "home_days", "band")
)
_LIFE_AT = (_AT["life_answers"], _AT["life_first"], _AT["life_last"])
_WHO5_AT = (_AT["who5_waves"], _AT["who5_first"], _AT["who5_last"])


def _member(member: str, sums: Sequence[Any]) -> MemberAggregate:
    """The derivations' view of one member's sums (in the order of `_NAMES`)."""
    modes = [
        (mode, sums[workplace], sums[answers], sums[last])
        for mode, workplace, answers, last in _MODES_AT
        if sums[answers]
    ]
    band = sums[_BAND_AT]
    return MemberAggregate(
        member=member,
        weeks=sums[_WEEKS_AT],
        work_days=sums[_WORK_AT],
        remote_days=sums[_REMOTE_AT],
        home_days=sums[_HOME_AT],
        workplace_days_by_mode={mode: workplace for mode, workplace, _count, _last in modes},
        usual_mode=usual_mode({mode: (count, last) for mode, _days, count, last in modes}),
        distance_band=band[_PERIOD_LENGTH:] if band else None,
        life_satisfaction=_first_and_last(sums, _LIFE_AT),
        who5=_first_and_last(sums, _WHO5_AT),
    )


def _first_and_last(sums: Sequence[Any], at: tuple[int, int, int]) -> tuple[float, float] | None:
    """(first, last) of a member's answers, kept as `period || value`; None below two."""
    count, first, last = at
    if sums[count] < 2:
        return None
    return float(sums[first][_PERIOD_LENGTH:]), float(sums[last][_PERIOD_LENGTH:])
