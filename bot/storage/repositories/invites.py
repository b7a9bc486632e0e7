"""Invite links."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from enum import Enum

import aiosqlite

from bot.storage.db import utc_now
from bot.storage.models import Invite, Role
from bot.storage.repositories.base import Repository


def hash_invite_code(code: str) -> str:
    """Invite codes are stored hashed, so a leaked database does not leak working links."""
    return hashlib.sha256(code.encode()).hexdigest()


class InviteProblem(Enum):
    """Why an invite code cannot be used."""

    UNKNOWN = "unknown"
    EXPIRED = "expired"
    REVOKED = "revoked"
    USED_UP = "used_up"


class Invites(Repository):
    """Invite links: random codes, stored hashed, with expiry, a use limit, and revocation."""

    async def create(
        self,
        pilot_id: int,
        role: Role,
        max_uses: int,
        days_valid: int,
        stakeholder_group: str | None = None,
    ) -> tuple[str, Invite]:
        """A new code (returned once, in clear) and its stored invite.

        `stakeholder_group`: the group everyone joining by it belongs to (step 2, /table).
        """
        code = secrets.token_urlsafe(12)
        expires_at = (datetime.now(UTC) + timedelta(days=days_valid)).isoformat(timespec="seconds")
        cursor = await self.db.execute(
            "INSERT INTO invites (pilot_id, code_hash, role, created_at, expires_at, max_uses, "
            "stakeholder_group) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                pilot_id,
                hash_invite_code(code),
                role,
                utc_now(),
                expires_at,
                max_uses,
                stakeholder_group,
            ),
        )
        invite = Invite(
            id=cursor.lastrowid,
            pilot_id=pilot_id,
            role=role,
            expires_at=expires_at,
            max_uses=max_uses,
            uses=0,
            stakeholder_group=stakeholder_group,
        )
        return code, invite

    async def check(self, code: str) -> Invite | InviteProblem:
        """The invite behind a code if it is still open for someone new, else why not.

        A used-up invite is returned as such when it is otherwise valid: a person who was
        in its pilot with its role already may rejoin by it without taking a use.
        """
        row = await self.db.fetch_one(
            "SELECT * FROM invites WHERE code_hash = ?", (hash_invite_code(code),)
        )
        if row is None:
            return InviteProblem.UNKNOWN
        if row["revoked_at"] is not None:
            return InviteProblem.REVOKED
        if row["expires_at"] <= utc_now():
            return InviteProblem.EXPIRED
        return _invite(row)

    async def use(self, invite_id: int) -> bool:
        """Count one use of an invite; False if it was used up meanwhile."""
        cursor = await self.db.execute(
            "UPDATE invites SET uses = uses + 1 WHERE id = ? AND uses < max_uses", (invite_id,)
        )
        return cursor.rowcount == 1

    async def open_in(self, pilot_id: int) -> list[Invite]:
        """A pilot's invites not revoked, expired or used up; newest first."""
        rows = await self.db.fetch_all(
            "SELECT * FROM invites WHERE pilot_id = ? AND revoked_at IS NULL AND expires_at > ? "
            "AND uses < max_uses ORDER BY id DESC",
            (pilot_id, utc_now()),
        )
        return [_invite(row) for row in rows]

    async def revoke(self, pilot_id: int, invite_id: int) -> Invite | None:
        """Revoke an open invite of this pilot; None if there is no such open invite."""
        cursor = await self.db.execute(
            "UPDATE invites SET revoked_at = ? WHERE id = ? AND pilot_id = ? "
            "AND revoked_at IS NULL AND expires_at > ? AND uses < max_uses",
            (utc_now(), invite_id, pilot_id, utc_now()),
        )
        if cursor.rowcount != 1:
            return None
        return _invite(await self.db.fetch_one("SELECT * FROM invites WHERE id = ?", (invite_id,)))


def _invite(row: aiosqlite.Row) -> Invite:
    return Invite.model_validate(dict(row))
