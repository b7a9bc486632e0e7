"""People (keyed by pseudonym) and their contacts (the Telegram chat id)."""

from __future__ import annotations

import aiosqlite

from bot.storage.db import utc_now
from bot.storage.models import Member, Person, Standing
from bot.storage.repositories.base import Repository
from bot.storage.repositories.pilots import NOTICE_VERSION


class People(Repository):
    """A person's own settings, keyed by pseudonym, and their contact (the Telegram chat id)."""

    async def get(self, pseudonym: str) -> Person | None:
        """The person, or None if we store nothing about them."""
        row = await self.db.fetch_one("SELECT * FROM people WHERE pseudonym = ?", (pseudonym,))
        return _person(row) if row else None

    async def standing(self, pseudonym: str) -> Standing | None:
        """The person with their roles and membership in their current pilot, in one query.

        Every update starts by asking this, so it is one trip to the database, not three.
        """
        row = await self.db.fetch_one(
            "SELECT p.*, m.status, m.stakeholder_group, m.onboarding_state, m.distance_band, "
            "m.checkin_day, m.checkin_window, m.notice_version, "
            "(SELECT group_concat(role) FROM roles r WHERE r.pilot_id = p.current_pilot_id "
            "AND r.pseudonym = p.pseudonym) AS roles "
            "FROM people p LEFT JOIN members m "
            "ON m.pilot_id = p.current_pilot_id AND m.pseudonym = p.pseudonym "
            "WHERE p.pseudonym = ?",
            (pseudonym,),
        )
        if row is None:
            return None
        return Standing(
            person=_person(row),
            roles=frozenset((row["roles"] or "").split(",")) - {""},
            member=member_from_row(row, row["current_pilot_id"]) if row["status"] else None,
            notice_up_to_date=row["notice_version"] in (None, NOTICE_VERSION),
        )

    async def ensure(self, pseudonym: str, chat_id: int, language: str | None) -> None:
        """Create the person and their contact if absent; reactivate a stale contact."""
        await self.db.execute(
            "INSERT OR IGNORE INTO people (pseudonym, language, created_at) VALUES (?, ?, ?)",
            (pseudonym, language, utc_now()),
        )
        await self.db.execute(
            "INSERT INTO contacts (pseudonym, chat_id) VALUES (?, ?) "
            "ON CONFLICT (pseudonym) DO UPDATE SET chat_id = excluded.chat_id, active = 1, "
            "blocked_at = NULL",
            (pseudonym, chat_id),
        )

    async def set_language(self, pseudonym: str, language: str) -> None:
        """Remember the person's chosen language."""
        await self.db.execute(
            "UPDATE people SET language = ? WHERE pseudonym = ?", (language, pseudonym)
        )

    async def set_current_pilot(self, pseudonym: str, pilot_id: int) -> None:
        """The pilot the person's commands apply to."""
        await self.db.execute(
            "UPDATE people SET current_pilot_id = ? WHERE pseudonym = ?", (pilot_id, pseudonym)
        )

    async def set_processing_stopped(self, pseudonym: str, stopped: bool) -> None:
        """Record that the person withdrew (or came back)."""
        await self.db.execute(
            "UPDATE people SET processing_stopped_at = ? WHERE pseudonym = ?",
            (utc_now() if stopped else None, pseudonym),
        )

    async def mark_blocked(self, chat_id: int) -> bool:
        """The person blocked the bot: never message them again. True if a contact changed."""
        cursor = await self.db.execute(
            "UPDATE contacts SET active = 0, blocked_at = ? WHERE chat_id = ? AND active = 1",
            (utc_now(), chat_id),
        )
        return cursor.rowcount > 0

    async def mark_unblocked(self, chat_id: int) -> bool:
        """The person unblocked the bot: messages may be sent again. True if a contact changed."""
        cursor = await self.db.execute(
            "UPDATE contacts SET active = 1, blocked_at = NULL WHERE chat_id = ? AND active = 0",
            (chat_id,),
        )
        return cursor.rowcount > 0

    async def contact_active(self, chat_id: int) -> bool:
        """Whether messages to this chat may be sent."""
        row = await self.db.fetch_one("SELECT active FROM contacts WHERE chat_id = ?", (chat_id,))
        return row is None or bool(row["active"])


def _person(row: aiosqlite.Row) -> Person:
    return Person(
        pseudonym=row["pseudonym"],
        language=row["language"],
        current_pilot_id=row["current_pilot_id"],
        processing_stopped=row["processing_stopped_at"] is not None,
    )


def member_from_row(row: aiosqlite.Row, pilot_id: int) -> Member:
    return Member(
        pilot_id=pilot_id,
        pseudonym=row["pseudonym"],
        status=row["status"],
        stakeholder_group=row["stakeholder_group"],
        onboarding_state=row["onboarding_state"],
        distance_band=row["distance_band"],
        checkin_day=row["checkin_day"],
        checkin_window=row["checkin_window"],
    )
