"""What every repository shares."""

from __future__ import annotations

from bot.storage.db import Database


class Repository:
    """Reads and writes of one kind of record, over the shared database."""

    def __init__(self, db: Database) -> None:
        self.db = db
