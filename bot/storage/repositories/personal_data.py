"""Everything stored about one person, for access and erasure."""

from __future__ import annotations

from bot.storage.repositories.base import Repository
from bot.storage.repositories.proposals import KEPT_STATUSES


class PersonalData(Repository):
    """Everything stored about one person: for access (`/mydata`) and erasure (`/delete`)."""

    # Tables keyed by pseudonym; erasure walks them in this order (children first).
    _TABLES = (
        "digests_sent",
        "digest_subscribers",
        "map_edits",
        "supports",
        "dots",
        "proposals",
        "analysis_sums",
        "checkin_answers",
        "checkin_prompts",
        "checkin_due",
        "checkin_settings",
        "poll_votes",
        "open_answers",
        "question_votes",
        "workshop_attendance",
        "consents",
        "roles",
        "members",
        "contacts",
        "people",
    )

    async def export(self, pseudonym: str) -> dict[str, list[dict]]:
        """Every row about the person, table by table, plus the audit entries about them."""
        exported: dict[str, list[dict]] = {}
        for table in reversed(self._TABLES):
            rows = await self.db.fetch_all(
                f"SELECT * FROM {table} WHERE pseudonym = ?", (pseudonym,)
            )
            exported[table] = [dict(row) for row in rows]
        rows = await self.db.fetch_all(
            "SELECT at, action, pilot_id, detail FROM audit_log WHERE subject = ? OR actor = ?",
            (pseudonym, pseudonym),
        )
        exported["audit_log"] = [dict(row) for row in rows]
        # The impact-map versions they made (the maps themselves are the pilot's).
        rows = await self.db.fetch_all(
            "SELECT pilot_id, number, source, changes, created_at FROM impact_map_versions "
            "WHERE actor = ?",
            (pseudonym,),
        )
        exported["impact_map_versions"] = [dict(row) for row in rows]
        rows = await self.db.fetch_all(
            "SELECT id, pilot_id, title, started_at, ended_at FROM workshops WHERE facilitator = ?",
            (pseudonym,),
        )
        exported["workshops_facilitated"] = [dict(row) for row in rows]
        return exported

    async def erase(self, pseudonym: str) -> None:
        """Delete every row about the person; the audit log keeps the event, not the pseudonym."""
        await self.db.execute(
            "DELETE FROM outbox WHERE chat_id = (SELECT chat_id FROM contacts WHERE pseudonym = ?)",
            (pseudonym,),
        )
        # Approved goals and ideas belong to the pilot: they stay, without their author.
        await self.db.execute(
            f"UPDATE proposals SET pseudonym = NULL, card_message_id = NULL "
            f"WHERE pseudonym = ? AND status IN {KEPT_STATUSES}",
            (pseudonym,),
        )
        for table in self._TABLES:
            await self.db.execute(f"DELETE FROM {table} WHERE pseudonym = ?", (pseudonym,))
        await self.db.execute(
            "UPDATE audit_log SET subject = 'erased' WHERE subject = ?", (pseudonym,)
        )
        await self.db.execute("UPDATE audit_log SET actor = 'erased' WHERE actor = ?", (pseudonym,))
        # The versions stay the pilot's, without their author.
        await self.db.execute(
            "UPDATE impact_map_versions SET actor = NULL WHERE actor = ?", (pseudonym,)
        )
        await self.db.execute(
            "UPDATE workshops SET facilitator = 'erased' WHERE facilitator = ?", (pseudonym,)
        )
