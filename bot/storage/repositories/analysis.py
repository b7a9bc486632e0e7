"""Reads for analysis: the pilot's check-in waves and its answers aggregated in SQL.

Every query here runs on the read-only connection (never inside a transaction), so a long
aggregation reads a committed snapshot while the writer goes on committing (WAL).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import aiosqlite

from bot.storage.repositories.base import Repository
from seroi.derivations import Aggregates, MemberAggregate, usual_mode
from seroi.indicators import COMMUTE_MODES, WHO5_ITEMS


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

    async def export_rows(self, pilot_id: int, waves: Sequence[WaveStatus]) -> list[aiosqlite.Row]:
        """Every stored answer of these waves (skips as NULL, derived values too), with the
        script asked and the member's traits, by script, member and period."""
        return await self.db.fetch_all(
            "SELECT pr.script, a.pseudonym, a.period, a.item, a.value, m.stakeholder_group, "
            "m.distance_band FROM checkin_answers a JOIN checkin_prompts pr "
            "ON pr.pilot_id = a.pilot_id AND pr.pseudonym = a.pseudonym AND pr.module = a.module "
            "AND pr.period = a.period "
            "LEFT JOIN members m ON m.pilot_id = a.pilot_id AND m.pseudonym = a.pseudonym "
            "WHERE a.pilot_id = ? "
            "AND a.module || ' ' || a.period IN (SELECT value FROM json_each(?)) "
            "ORDER BY pr.script, a.pseudonym, a.period",
            (pilot_id, _wave_keys(waves)),
        )

    async def aggregates(self, pilot_id: int, waves: Sequence[WaveStatus]) -> Aggregates:
        """The answers of these waves per member, as the SEROI+ derivations read them.

        One pass over the pilot's answers in primary-key order: per member and period, then
        per member. Python sees one row per member, never one per answer.
        """
        rows = await self.db.fetch_all(_MEMBERS, (pilot_id, _wave_keys(waves)))
        answered = frozenset(
            item for item in _ANSWERED if any(row[f"answered_{item}"] for row in rows)
        )
        return Aggregates(tuple(_member(row) for row in rows), answered)


def _wave_keys(waves: Sequence[WaveStatus]) -> str:
    return json.dumps([f"{wave.module} {wave.period}" for wave in waves])


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
    FROM checkin_answers
    WHERE pilot_id = ? AND derived = 0 AND value IS NOT NULL
        AND module || ' ' || period IN (SELECT value FROM json_each(?))
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
    FROM ({_PERIODS})
"""


def _mode_columns(mode: str, number: int) -> str:
    return (
        f"TOTAL(CASE WHEN weekly AND mode = '{mode}' "
        f"THEN MAX(COALESCE(work, 0) - remote, 0) END) AS workplace_{number}, "
        f"SUM(mode = '{mode}') AS mode_answers_{number}, "
        f"MAX(CASE WHEN mode = '{mode}' THEN period END) AS mode_last_{number}"
    )


# Per member (in primary-key order, so SQLite streams it without sorting).
_MEMBERS = f"""
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
    FROM ({_WEEKS})
    GROUP BY pseudonym
"""
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


def _member(row: aiosqlite.Row) -> MemberAggregate:
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


def _first_and_last(row: aiosqlite.Row, name: str) -> tuple[float, float] | None:
    """(first, last) of a member's answers, kept as `period || value`; None below two."""
    count = row["life_answers" if name == "life" else "who5_waves"]
    if count < 2:
        return None
    return (
        float(row[f"{name}_first"][_PERIOD_LENGTH:]),
        float(row[f"{name}_last"][_PERIOD_LENGTH:]),
    )
