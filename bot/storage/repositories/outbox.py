"""Replies still to be sent."""

from __future__ import annotations

import json
from collections.abc import Sequence

from bot.storage.db import utc_now
from bot.storage.models import Reply, StoredReply
from bot.storage.repositories.base import Repository


class Outbox(Repository):
    """Replies still to be sent, oldest first per chat."""

    async def store(self, update_id: int | None, replies: Sequence[Reply]) -> list[int]:
        """Store replies (marking their update answered, by trigger) in one statement."""
        now = utc_now()
        values = ", ".join(["(?, ?, ?, ?, ?, ?)"] * len(replies))
        parameters = [
            field
            for reply in replies
            for field in (
                reply.chat_id,
                update_id,
                reply.kind,
                json.dumps(reply.params, ensure_ascii=False),
                reply.file,
                now,
            )
        ]
        rows = await self.db.atomic(
            "INSERT INTO outbox (chat_id, update_id, kind, payload, file, created_at) "
            f"VALUES {values} RETURNING id",
            tuple(parameters),
        )
        return [row["id"] for row in rows]

    async def pending(self) -> list[StoredReply]:
        """Everything not yet sent, in the order it was stored."""
        rows = await self.db.fetch_all("SELECT * FROM outbox ORDER BY id")
        return [
            StoredReply(
                id=row["id"],
                reply=Reply(
                    chat_id=row["chat_id"],
                    kind=row["kind"],
                    params=json.loads(row["payload"]),
                    file=row["file"],
                ),
            )
            for row in rows
        ]

    async def forget(self, reply_ids: Sequence[int]) -> None:
        """Telegram has these replies (or refused them for good)."""
        # In chunks well under SQLite's limit on parameters in one statement.
        for start in range(0, len(reply_ids), 500):
            chunk = tuple(reply_ids[start : start + 500])
            marks = ", ".join("?" * len(chunk))
            await self.db.atomic(f"DELETE FROM outbox WHERE id IN ({marks})", chunk)

    async def forget_chat(self, chat_id: int) -> None:
        """Drop every reply to a chat (its person blocked the bot)."""
        await self.db.execute("DELETE FROM outbox WHERE chat_id = ?", (chat_id,))
