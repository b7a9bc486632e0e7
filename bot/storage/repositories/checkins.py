"""Check-ins: what is due per member and module, the prompts of each wave, the answers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import aiosqlite

from bot.storage.repositories.base import Repository

# A prompt moved on by an answer, Skip or Back, only if it is still as the press found it.
_ADVANCE = (
    "UPDATE checkin_prompts SET state = ?, message_id = ? "
    "WHERE id = ? AND state = ? AND status = 'open'"
)
# Everything the tick needs about one due row, in one query: the member, their contact,
# consent, settings and their latest prompt of the module (the last of the member's
# entries in the prompts' unique index: one step, where MAX(id) read a year of them).
_DUE = """
SELECT d.pilot_id, d.pseudonym, d.module, d.next_due_at,
    m.status, m.checkin_day, m.checkin_window, m.distance_band,
    c.chat_id, c.active AS contact_active, p.language, p.processing_stopped_at,
    s.timezone, s.paused_until, pl.wellbeing_module,
    (SELECT granted FROM consents k WHERE k.pilot_id = d.pilot_id
        AND k.pseudonym = d.pseudonym
        AND k.purpose = CASE d.module WHEN 'weekly' THEN 'checkins' ELSE 'wellbeing' END
        ORDER BY k.id DESC LIMIT 1) AS consented,
    pr.id AS prompt_id, pr.period, pr.script, pr.state, pr.status AS prompt_status,
    pr.prompted_at, pr.closes_at, pr.reminders, pr.snoozed_until, pr.message_id
FROM checkin_due d
JOIN members m ON m.pilot_id = d.pilot_id AND m.pseudonym = d.pseudonym
JOIN pilots pl ON pl.id = d.pilot_id
LEFT JOIN people p ON p.pseudonym = d.pseudonym
LEFT JOIN contacts c ON c.pseudonym = d.pseudonym
LEFT JOIN checkin_settings s ON s.pilot_id = d.pilot_id AND s.pseudonym = d.pseudonym
LEFT JOIN checkin_prompts pr ON pr.id = (SELECT q.id FROM checkin_prompts q
    WHERE q.pilot_id = d.pilot_id AND q.pseudonym = d.pseudonym AND q.module = d.module
    ORDER BY q.period DESC LIMIT 1)
"""


@dataclass(frozen=True)
class NewPrompt:
    """A prompt to create: member, module, period, script, engine state, times."""

    pilot_id: int
    pseudonym: str
    module: str
    period: str
    script: str
    state: str
    prompted_at: str
    closes_at: str


class Checkins(Repository):
    """Due rows, prompts and answers of check-ins (an empty batch costs no trip)."""

    async def due(self, now: str, limit: int) -> list[aiosqlite.Row]:
        """The due rows (oldest first), each with what deciding on it needs."""
        return await self.db.fetch_all(
            _DUE + "WHERE d.next_due_at <= ? ORDER BY d.next_due_at LIMIT ?", (now, limit)
        )

    async def due_of(self, pilot_id: int, pseudonym: str, module: str) -> aiosqlite.Row | None:
        """One member's module, as `due` gives it (whether due or not)."""
        return await self.db.fetch_one(
            _DUE + "WHERE d.pilot_id = ? AND d.pseudonym = ? AND d.module = ?",
            (pilot_id, pseudonym, module),
        )

    async def reschedule(self, rows: Sequence[tuple[str, int, str, str]]) -> None:
        """Set next_due_at for (next_due_at, pilot_id, pseudonym, module) rows."""
        if not rows:
            return
        await self.db.executemany(
            "UPDATE checkin_due SET next_due_at = ? "
            "WHERE pilot_id = ? AND pseudonym = ? AND module = ?",
            list(rows),
        )

    async def replan(self, pilot_id: int, pseudonym: str) -> None:
        """Have the next tick plan the member's modules again (their settings changed)."""
        await self.db.execute(
            "UPDATE checkin_due SET next_due_at = '' WHERE pilot_id = ? AND pseudonym = ?",
            (pilot_id, pseudonym),
        )

    async def unschedule(self, rows: Sequence[tuple[int, str, str]]) -> None:
        """Stop looking at these (pilot_id, pseudonym, module) until a trigger plans them."""
        if not rows:
            return
        await self.db.executemany(
            "DELETE FROM checkin_due WHERE pilot_id = ? AND pseudonym = ? AND module = ?",
            list(rows),
        )

    async def create_prompts(self, prompts: Sequence[NewPrompt]) -> list[int]:
        """Insert prompts (one statement); their ids in the order given."""
        if not prompts:
            return []
        values = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?)"] * len(prompts))
        returned = await self.db.execute_returning(
            "INSERT INTO checkin_prompts (pilot_id, pseudonym, module, period, script, state, "
            f"prompted_at, closes_at) VALUES {values} RETURNING id",
            tuple(
                field
                for p in prompts
                for field in (
                    p.pilot_id,
                    p.pseudonym,
                    p.module,
                    p.period,
                    p.script,
                    p.state,
                    p.prompted_at,
                    p.closes_at,
                )
            ),
        )
        return sorted(row["id"] for row in returned)

    async def pilot_setup(self, pilot_id: int) -> aiosqlite.Row:
        """The pilot's wellbeing module and support pointer."""
        return await self.db.fetch_one(
            "SELECT wellbeing_module, support_pointer FROM pilots WHERE id = ?", (pilot_id,)
        )

    async def configure_pilot(
        self, pilot_id: int, wellbeing_module: str | None, support_pointer: str | None
    ) -> None:
        """Choose the pilot's wellbeing module and support pointer ('' removes it)."""
        await self.db.execute(
            "UPDATE pilots SET wellbeing_module = COALESCE(?, wellbeing_module), "
            "support_pointer = CASE WHEN ? IS NULL THEN support_pointer ELSE NULLIF(?, '') END "
            "WHERE id = ?",
            (wellbeing_module, support_pointer, support_pointer, pilot_id),
        )

    async def reopen(self, prompt_id: int, state: str) -> None:
        """Answer an answered check-in again, from the start."""
        await self.db.execute(
            "UPDATE checkin_prompts SET status = 'open', state = ? WHERE id = ?",
            (state, prompt_id),
        )

    async def answerable(self, prompt_id: int) -> aiosqlite.Row | None:
        """A prompt with what answering it depends on: membership, withdrawal, consent."""
        return await self.db.fetch_one(
            "SELECT pr.*, m.status AS member_status, p.processing_stopped_at, "
            "(SELECT granted FROM consents k WHERE k.pilot_id = pr.pilot_id "
            "AND k.pseudonym = pr.pseudonym "
            "AND k.purpose = CASE pr.module WHEN 'weekly' THEN 'checkins' ELSE 'wellbeing' END "
            "ORDER BY k.id DESC LIMIT 1) AS consented "
            "FROM checkin_prompts pr "
            "LEFT JOIN members m ON m.pilot_id = pr.pilot_id AND m.pseudonym = pr.pseudonym "
            "LEFT JOIN people p ON p.pseudonym = pr.pseudonym WHERE pr.id = ?",
            (prompt_id,),
        )

    async def advance(self, prompt_id: int, before: str, after: str, message_id: int) -> bool:
        """Move an open prompt from state `before` to `after`; False if it changed meanwhile."""
        cursor = await self.db.execute(_ADVANCE, (after, message_id, prompt_id, before))
        return cursor.rowcount == 1

    async def advance_alone(
        self, prompt_id: int, before: str, after: str, message_id: int, update_id: int
    ) -> bool:
        """`advance` as the whole of an update's transaction, which records the update too.

        One call on the writer's thread (`Database.atomic`): most answers store only this.
        """
        moved = await self.db.atomic(
            f"{_ADVANCE} RETURNING id", (after, message_id, prompt_id, before), update_id=update_id
        )
        return bool(moved)

    async def open_prompt(self, pilot_id: int, pseudonym: str) -> aiosqlite.Row | None:
        """The member's open prompt, the oldest first (weekly before monthly)."""
        return await self.db.fetch_one(
            "SELECT * FROM checkin_prompts WHERE pilot_id = ? AND pseudonym = ? "
            "AND status = 'open' ORDER BY closes_at LIMIT 1",
            (pilot_id, pseudonym),
        )

    async def set_status(self, rows: Sequence[tuple[str, str | None, int]]) -> None:
        """Set (status, answered_at, prompt_id) of prompts."""
        if not rows:
            return
        await self.db.executemany(
            "UPDATE checkin_prompts SET status = ?, answered_at = COALESCE(?, answered_at) "
            "WHERE id = ?",
            list(rows),
        )

    async def reminded(self, rows: Sequence[tuple[int, int]]) -> None:
        """(reminders sent so far, prompt_id): a reminder or a snoozed prompt was shown anew."""
        if not rows:
            return
        await self.db.executemany(
            "UPDATE checkin_prompts SET reminders = ?, snoozed_until = NULL WHERE id = ?",
            list(rows),
        )

    async def snooze(self, prompt_id: int, until: str) -> None:
        """Show the prompt again at `until` (UTC)."""
        await self.db.execute(
            "UPDATE checkin_prompts SET snoozed_until = ? WHERE id = ?", (until, prompt_id)
        )

    async def record_message(self, prompt_id: str, message_id: int) -> None:
        """The message now showing a prompt (the outbox calls this once Telegram has it)."""
        await self.db.execute(
            "UPDATE checkin_prompts SET message_id = ? WHERE id = ?", (message_id, int(prompt_id))
        )

    async def store_answers(
        self, rows: Sequence[tuple[int, str, str, str, str, str | None, int, str]]
    ) -> None:
        """(pilot, pseudonym, module, period, item, value, derived, at); the last one wins."""
        if not rows:
            return
        await self.db.executemany(
            "INSERT INTO checkin_answers (pilot_id, pseudonym, module, period, item, value, "
            "derived, answered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (pilot_id, pseudonym, period, item) DO UPDATE SET "
            "value = excluded.value, derived = excluded.derived, "
            "answered_at = excluded.answered_at",
            list(rows),
        )

    async def trend(
        self, pilot_id: int, pseudonym: str, module: str, item: str, waves: int
    ) -> list[tuple[str, str | None]]:
        """(period, value) of one item over the member's last `waves` prompts of a module."""
        rows = await self.db.fetch_all(
            "SELECT pr.period, a.value FROM checkin_prompts pr LEFT JOIN checkin_answers a "
            "ON a.pilot_id = pr.pilot_id AND a.pseudonym = pr.pseudonym "
            "AND a.period = pr.period AND a.item = ? "
            "WHERE pr.pilot_id = ? AND pr.pseudonym = ? AND pr.module = ? "
            "ORDER BY pr.period DESC LIMIT ?",
            (item, pilot_id, pseudonym, module, waves),
        )
        return [(row["period"], row["value"]) for row in reversed(rows)]

    async def settings(self, pilot_id: int, pseudonym: str) -> aiosqlite.Row | None:
        """The member's own time zone and pause, if they set any."""
        return await self.db.fetch_one(
            "SELECT * FROM checkin_settings WHERE pilot_id = ? AND pseudonym = ?",
            (pilot_id, pseudonym),
        )

    async def set_timezone(self, pilot_id: int, pseudonym: str, zone: str) -> None:
        """The member's time zone for check-ins."""
        await self.db.execute(
            "INSERT INTO checkin_settings (pilot_id, pseudonym, timezone) VALUES (?, ?, ?) "
            "ON CONFLICT DO UPDATE SET timezone = excluded.timezone",
            (pilot_id, pseudonym, zone),
        )

    async def set_pause(self, pilot_id: int, pseudonym: str, until: str | None) -> None:
        """Pause check-ins until `until` (UTC), or resume them (None)."""
        await self.db.execute(
            "INSERT INTO checkin_settings (pilot_id, pseudonym, paused_until) VALUES (?, ?, ?) "
            "ON CONFLICT DO UPDATE SET paused_until = excluded.paused_until",
            (pilot_id, pseudonym, until),
        )

    async def set_day_and_window(
        self, pilot_id: int, pseudonym: str, day: str | None, window: str | None
    ) -> None:
        """The member's check-in day and time window (None keeps the current one)."""
        await self.db.execute(
            "UPDATE members SET checkin_day = COALESCE(?, checkin_day), "
            "checkin_window = COALESCE(?, checkin_window) WHERE pilot_id = ? AND pseudonym = ?",
            (day, window, pilot_id, pseudonym),
        )

    async def set_distance_band(self, pilot_id: int, pseudonym: str, band: str) -> None:
        """A re-confirmed commute distance band."""
        await self.db.execute(
            "UPDATE members SET distance_band = ? WHERE pilot_id = ? AND pseudonym = ?",
            (band, pilot_id, pseudonym),
        )

    async def wave_counts(self, pilot_id: int, module: str) -> list[aiosqlite.Row]:
        """Per period: prompts, answered, blocked."""
        return await self.db.fetch_all(
            "SELECT period, COUNT(*) AS prompted, SUM(status = 'answered') AS answered, "
            "SUM(status = 'blocked') AS blocked FROM checkin_prompts "
            "WHERE pilot_id = ? AND module = ? GROUP BY period ORDER BY period",
            (pilot_id, module),
        )

    async def observations(self, pilot_id: int) -> list[aiosqlite.Row]:
        """Every non-derived, non-skipped answer of a pilot: pseudonym, period, item, value."""
        return await self.db.fetch_all(
            "SELECT pseudonym, period, item, value FROM checkin_answers "
            "WHERE pilot_id = ? AND derived = 0 AND value IS NOT NULL "
            "ORDER BY period, pseudonym, item",
            (pilot_id,),
        )
