"""Replies still to be sent."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

from bot.storage.db import utc_now
from bot.storage.models import Reply, StoredReply
from bot.storage.repositories.base import Repository

# One stored reply: chat_id, update_id, kind, payload, file, created_at, on_sent.
Row = tuple[int, int | None, str, str, bytes | None, str, str | None]
# Rows stored in one statement at most (7 parameters each, far below SQLite's limit).
MAX_ROWS_PER_STATEMENT = 500


def encode(update_id: int | None, replies: Sequence[Reply]) -> list[Row]:
    """The rows that store an update's replies."""
    now = utc_now()
    return [
        (
            reply.chat_id,
            update_id,
            reply.kind,
            json.dumps(reply.params, ensure_ascii=False),
            reply.file,
            now,
            reply.on_sent,
        )
        for reply in replies
    ]


class Outbox(Repository):
    """Replies still to be sent, oldest first per chat."""

    async def store_many(self, handled: Sequence[Sequence[Row]]) -> list[list[int]]:
        """Store the replies of several updates in one statement: all of them, or none.

        Each update is marked answered by the trigger as its rows go in. The ids come
        back per update, in the order given (rowids grow with each insert).
        """
        rows = [row for update in handled for row in update]
        returned = await self.db.atomic(*_insert(rows))
        # RETURNING gives no order; the ids themselves do.
        ids = iter(sorted(row["id"] for row in returned))
        return [[next(ids) for _row in update] for update in handled]

    async def store_in_transaction(self, rows: Sequence[Row]) -> list[int]:
        """Store replies within the current transaction (a job's, not an update's); their ids."""
        returned = await self.db.execute_returning(*_insert(rows))
        return sorted(row["id"] for row in returned)

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
                    on_sent=row["on_sent"],
                ),
            )
            for row in rows
        ]

    async def forget_in_transaction(self, reply_ids: Sequence[int]) -> None:
        """Telegram has these replies (or refused them for good); in the current transaction."""
        for sql, chunk in _deletes(reply_ids):
            await self.db.execute(sql, chunk)

    async def forget(self, reply_ids: Sequence[int]) -> None:
        """`forget_in_transaction` with each statement a transaction of its own: one queued
        call, the write lock held only while it is queued (`Database.atomic`)."""
        for sql, chunk in _deletes(reply_ids):
            await self.db.atomic(sql, chunk)

    async def forget_chat(self, chat_id: int) -> None:
        """Drop every reply to a chat (its person blocked the bot)."""
        await self.db.execute("DELETE FROM outbox WHERE chat_id = ?", (chat_id,))


def _deletes(reply_ids: Sequence[int]) -> Iterator[tuple[str, tuple[int, ...]]]:
    """DELETE statements for these replies, in chunks well under SQLite's limit on
    parameters in one statement."""
    for start in range(0, len(reply_ids), 500):
        chunk = tuple(reply_ids[start : start + 500])
        yield f"DELETE FROM outbox WHERE id IN ({', '.join('?' * len(chunk))})", chunk


def _insert(rows: Sequence[Row]) -> tuple[str, tuple]:
    """One INSERT of many rows, returning their ids."""
    values = ", ".join(["(?, ?, ?, ?, ?, ?, ?)"] * len(rows))
    return (
        "INSERT INTO outbox (chat_id, update_id, kind, payload, file, created_at, on_sent) "
        f"VALUES {values} RETURNING id",
        tuple(field for row in rows for field in row),
    )
