"""All SQL of the bot. Write methods run inside `Database.transaction()`."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from enum import Enum

import aiosqlite

from bot.slugs import slugify
from bot.storage.db import Database, utc_now
from bot.storage.models import (
    Invite,
    Member,
    Person,
    Pilot,
    Reply,
    Role,
    Standing,
    StoredReply,
)

NOTICE_VERSION = "2026-11"


def hash_invite_code(code: str) -> str:
    """Invite codes are stored hashed, so a leaked database does not leak working links."""
    return hashlib.sha256(code.encode()).hexdigest()


class Repository:
    """Reads and writes of one kind of record, over the shared database."""

    def __init__(self, db: Database) -> None:
        self.db = db


class InviteProblem(Enum):
    """Why an invite code cannot be used."""

    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED_UP = "used_up"


class Pilots(Repository):
    """Pilots (one per community project), kept in memory: few, and never changed."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self._by_id: dict[int, Pilot] = {}

    async def create(self, name: str, controller: str) -> Pilot:
        """Create a pilot with a unique slug derived from its name."""
        base = slugify(name, fallback="pilot")
        slug, suffix = base, 1
        while await self.by_slug(slug) is not None:
            suffix += 1
            slug = f"{base}-{suffix}"
        cursor = await self.db.execute(
            "INSERT INTO pilots (slug, name, controller, notice_version, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (slug, name, controller, NOTICE_VERSION, utc_now()),
        )
        return Pilot(
            id=cursor.lastrowid,
            slug=slug,
            name=name,
            controller=controller,
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

    async def of_person(self, pseudonym: str) -> list[Pilot]:
        """The pilots a person has joined or holds a role in."""
        rows = await self.db.fetch_all(
            "SELECT * FROM pilots WHERE id IN (SELECT pilot_id FROM members WHERE pseudonym = ? "
            "UNION SELECT pilot_id FROM roles WHERE pseudonym = ?) ORDER BY id",
            (pseudonym, pseudonym),
        )
        return [_pilot(row) for row in rows]


def _pilot(row: aiosqlite.Row) -> Pilot:
    return Pilot.model_validate(dict(row))


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
            "SELECT p.*, m.status, m.onboarding_step, m.pending_consents, m.stakeholder_group, "
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
            member=_member(row, row["current_pilot_id"]) if row["status"] else None,
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


def _member(row: aiosqlite.Row, pilot_id: int) -> Member:
    return Member(
        pilot_id=pilot_id,
        pseudonym=row["pseudonym"],
        status=row["status"],
        onboarding_step=row["onboarding_step"],
        pending_consents=frozenset(p for p in row["pending_consents"].split(",") if p),
        stakeholder_group=row["stakeholder_group"],
    )


class Members(Repository):
    """Membership of a pilot and where the member is in onboarding."""

    async def get(self, pilot_id: int, pseudonym: str) -> Member | None:
        """The membership, or None."""
        row = await self.db.fetch_one(
            "SELECT * FROM members WHERE pilot_id = ? AND pseudonym = ?", (pilot_id, pseudonym)
        )
        return _member(row, pilot_id) if row else None

    async def start_onboarding(self, pilot_id: int, pseudonym: str) -> None:
        """Create the membership at the language step, or restart a withdrawn one."""
        await self.db.execute(
            "INSERT INTO members (pilot_id, pseudonym, status, onboarding_step, joined_at) "
            "VALUES (?, ?, 'onboarding', 'language', ?) "
            "ON CONFLICT (pilot_id, pseudonym) DO UPDATE SET status = 'onboarding', "
            "onboarding_step = 'language', pending_consents = '' WHERE status = 'withdrawn'",
            (pilot_id, pseudonym, utc_now()),
        )

    async def set_step(self, pilot_id: int, pseudonym: str, step: str) -> None:
        """Move the member to an onboarding step."""
        await self.db.execute(
            "UPDATE members SET onboarding_step = ? WHERE pilot_id = ? AND pseudonym = ?",
            (step, pilot_id, pseudonym),
        )

    async def set_pending_consents(
        self, pilot_id: int, pseudonym: str, purposes: frozenset[str]
    ) -> None:
        """The consent toggles pressed so far, before the member confirms them."""
        await self.db.execute(
            "UPDATE members SET pending_consents = ? WHERE pilot_id = ? AND pseudonym = ?",
            (",".join(sorted(purposes)), pilot_id, pseudonym),
        )

    async def finish_onboarding(self, pilot_id: int, pseudonym: str, group: str) -> None:
        """Record the stakeholder group and make the member active."""
        await self.db.execute(
            "UPDATE members SET stakeholder_group = ?, status = 'active', onboarding_step = 'done' "
            "WHERE pilot_id = ? AND pseudonym = ?",
            (group, pilot_id, pseudonym),
        )

    async def withdraw_all(self, pseudonym: str) -> None:
        """Stop every membership of the person."""
        await self.db.execute(
            "UPDATE members SET status = 'withdrawn', onboarding_step = 'done' WHERE pseudonym = ?",
            (pseudonym,),
        )


class Roles(Repository):
    """Roles per pilot (admins come from settings, not from here)."""

    async def grant(self, pilot_id: int, pseudonym: str, role: Role) -> None:
        """Give a role (nothing changes if the person has it already)."""
        await self.db.execute(
            "INSERT OR IGNORE INTO roles (pilot_id, pseudonym, role, granted_at) "
            "VALUES (?, ?, ?, ?)",
            (pilot_id, pseudonym, role, utc_now()),
        )

    async def of(self, pilot_id: int, pseudonym: str) -> frozenset[Role]:
        """The roles a person holds in a pilot."""
        rows = await self.db.fetch_all(
            "SELECT role FROM roles WHERE pilot_id = ? AND pseudonym = ?", (pilot_id, pseudonym)
        )
        return frozenset(row["role"] for row in rows)


class Invites(Repository):
    """Invite links: random codes, stored hashed, with expiry and a use limit."""

    async def create(
        self, pilot_id: int, role: Role, max_uses: int, days_valid: int
    ) -> tuple[str, Invite]:
        """A new code (returned once, in clear) and its stored invite."""
        code = secrets.token_urlsafe(12)
        expires_at = (datetime.now(UTC) + timedelta(days=days_valid)).isoformat(timespec="seconds")
        cursor = await self.db.execute(
            "INSERT INTO invites (pilot_id, code_hash, role, created_at, expires_at, max_uses) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (pilot_id, hash_invite_code(code), role, utc_now(), expires_at, max_uses),
        )
        invite = Invite(
            id=cursor.lastrowid,
            pilot_id=pilot_id,
            role=role,
            expires_at=expires_at,
            max_uses=max_uses,
            uses=0,
        )
        return code, invite

    async def check(self, code: str) -> Invite | InviteProblem:
        """The invite behind a code, or why it cannot be used."""
        row = await self.db.fetch_one(
            "SELECT * FROM invites WHERE code_hash = ?", (hash_invite_code(code),)
        )
        if row is None:
            return InviteProblem.UNKNOWN
        if row["expires_at"] <= utc_now():
            return InviteProblem.EXPIRED
        if row["uses"] >= row["max_uses"]:
            return InviteProblem.USED_UP
        return Invite.model_validate(dict(row))

    async def use(self, invite_id: int) -> bool:
        """Count one use of an invite; False if it was used up meanwhile."""
        cursor = await self.db.execute(
            "UPDATE invites SET uses = uses + 1 WHERE id = ? AND uses < max_uses", (invite_id,)
        )
        return cursor.rowcount == 1


class Consents(Repository):
    """The consent log: what, when, notice version, language."""

    async def record(
        self,
        pilot: Pilot,
        pseudonym: str,
        decisions: Mapping[str, bool],
        language: str,
    ) -> None:
        """Append one decision (granted or not) per purpose."""
        now = utc_now()
        await self.db.executemany(
            "INSERT INTO consents (pilot_id, pseudonym, purpose, granted, notice_version, "
            "language, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (pilot.id, pseudonym, purpose, int(granted), pilot.notice_version, language, now)
                for purpose, granted in decisions.items()
            ],
        )

    async def withdraw_all(self, pseudonym: str, language: str) -> None:
        """Record a withdrawal of every consent the person still has granted, in any pilot."""
        await self.db.execute(
            "INSERT INTO consents (pilot_id, pseudonym, purpose, granted, notice_version, "
            "language, recorded_at) "
            "SELECT c.pilot_id, c.pseudonym, c.purpose, 0, p.notice_version, ?, ? "
            "FROM consents c JOIN pilots p ON p.id = c.pilot_id "
            "WHERE c.id IN (SELECT MAX(id) FROM consents WHERE pseudonym = ? "
            "GROUP BY pilot_id, purpose) AND c.granted = 1",
            (language, utc_now(), pseudonym),
        )


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

    async def forget(self, reply_id: int) -> None:
        """Telegram has the reply (or refused it for good)."""
        await self.db.atomic("DELETE FROM outbox WHERE id = ?", (reply_id,))

    async def forget_chat(self, chat_id: int) -> None:
        """Drop every reply to a chat (its person blocked the bot)."""
        await self.db.execute("DELETE FROM outbox WHERE chat_id = ?", (chat_id,))


class Audit(Repository):
    """Who changed which role or data, and when."""

    async def add(
        self,
        action: str,
        *,
        actor: str | None,
        pilot_id: int | None = None,
        subject: str | None = None,
        detail: str = "",
    ) -> None:
        """Append one entry."""
        await self.db.execute(
            "INSERT INTO audit_log (at, actor, action, pilot_id, subject, detail) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (utc_now(), actor, action, pilot_id, subject, detail),
        )


class PersonalData(Repository):
    """Everything stored about one person: for access (`/mydata`) and erasure (`/delete`)."""

    # Tables keyed by pseudonym; erasure walks them in this order (children first).
    _TABLES = ("consents", "roles", "members", "contacts", "people")

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
        return exported

    async def erase(self, pseudonym: str) -> None:
        """Delete every row about the person; the audit log keeps the event, not the pseudonym."""
        await self.db.execute(
            "DELETE FROM outbox WHERE chat_id = (SELECT chat_id FROM contacts WHERE pseudonym = ?)",
            (pseudonym,),
        )
        for table in self._TABLES:
            await self.db.execute(f"DELETE FROM {table} WHERE pseudonym = ?", (pseudonym,))
        await self.db.execute(
            "UPDATE audit_log SET subject = 'erased' WHERE subject = ?", (pseudonym,)
        )
        await self.db.execute("UPDATE audit_log SET actor = 'erased' WHERE actor = ?", (pseudonym,))
