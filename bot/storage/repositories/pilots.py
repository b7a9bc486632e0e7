"""Pilots: one per community project."""

from __future__ import annotations

import aiosqlite

from bot.slugs import slugify
from bot.storage.db import Database, utc_now
from bot.storage.models import Pilot
from bot.storage.repositories.base import Repository

# The version of the privacy notice the bot shows now; consents record it.
NOTICE_VERSION = "2026-12-maps"


class Pilots(Repository):
    """Pilots (one per community project), kept in memory: few, and never changed."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self._by_id: dict[int, Pilot] = {}

    async def create(self, name: str, controller: str, contact: str | None = None) -> Pilot:
        """Create a pilot with a unique slug derived from its name.

        `contact`: how to reach the controller (None: the privacy notice's default wording).
        """
        base = slugify(name, fallback="pilot")
        slug, suffix = base, 1
        while await self.by_slug(slug) is not None:
            suffix += 1
            slug = f"{base}-{suffix}"
        cursor = await self.db.execute(
            "INSERT INTO pilots (slug, name, controller, controller_contact, notice_version, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (slug, name, controller, contact, NOTICE_VERSION, utc_now()),
        )
        return Pilot(
            id=cursor.lastrowid,
            slug=slug,
            name=name,
            controller=controller,
            controller_contact=contact,
            notice_version=NOTICE_VERSION,
        )

    async def by_id(self, pilot_id: int) -> Pilot | None:
        """The pilot with this id."""
        if pilot_id not in self._by_id:
            row = await self.db.fetch_one("SELECT * FROM pilots WHERE id = ?", (pilot_id,))
            if row is None:
                return None
            self._by_id[pilot_id] = _pilot(row)
        return self._by_id[pilot_id]

    async def by_slug(self, slug: str) -> Pilot | None:
        """The pilot with this slug."""
        row = await self.db.fetch_one("SELECT * FROM pilots WHERE slug = ?", (slug,))
        return _pilot(row) if row else None

    async def all(self) -> list[Pilot]:
        """Every pilot, oldest first."""
        return [_pilot(row) for row in await self.db.fetch_all("SELECT * FROM pilots ORDER BY id")]

    async def named(self, name: str) -> Pilot | None:
        """The pilot whose name is `name`, ignoring case and spacing ("laitila " is "Laitila")."""
        wanted = _comparable(name)
        found = (pilot for pilot in await self.all() if _comparable(pilot.name) == wanted)
        return next(found, None)

    async def of_person(self, pseudonym: str) -> list[Pilot]:
        """The pilots a person has joined or holds a role in."""
        rows = await self.db.fetch_all(
            "SELECT * FROM pilots WHERE id IN (SELECT pilot_id FROM members WHERE pseudonym = ? "
            "UNION SELECT pilot_id FROM roles WHERE pseudonym = ?) ORDER BY id",
            (pseudonym, pseudonym),
        )
        return [_pilot(row) for row in rows]


def _comparable(name: str) -> str:
    """A pilot name as compared for duplicates: case-folded, whitespace collapsed."""
    return " ".join(name.split()).casefold()


def _pilot(row: aiosqlite.Row) -> Pilot:
    return Pilot.model_validate(dict(row))
