"""Goal and idea rounds, their proposals and history, dots and supports (SEROI+ steps 1, 3)."""

from __future__ import annotations

from typing import Literal

import aiosqlite
from pydantic import BaseModel

from bot.storage.db import utc_now
from bot.storage.repositories.base import Repository

RoundKind = Literal["goal", "idea"]
# Statuses whose proposal stays as the pilot's when its author uses /delete.
KEPT_STATUSES = ("approved", "merged", "shortlisted", "action")


class Round(BaseModel):
    id: int
    pilot_id: int
    kind: RoundKind
    prompt: str
    closes_on: str
    stakeholder_group: str | None
    dots: int
    phase: str


class Proposal(BaseModel):
    id: int
    round_id: int
    pseudonym: str | None
    on_paper: bool
    text: str
    status: str
    merged_into: int | None
    reason: str | None
    action_id: int | None
    card_message_id: int | None


class Recipient(BaseModel):
    """Where and in which language to tell a person something."""

    chat_id: int
    language: str | None


class Ranked(BaseModel):
    proposal: Proposal
    dots: int
    paper_dots: int
    supports: int
    # Votes for it in workshop polls over its round (Telegram's tally plus paper counts).
    workshop_votes: int = 0


def _round(row: aiosqlite.Row) -> Round:
    return Round(**dict(row))


def _proposal(row: aiosqlite.Row) -> Proposal:
    return Proposal(**{**dict(row), "on_paper": bool(row["on_paper"])})


class Proposals(Repository):
    """Rounds, proposals, their history, dots and supports."""

    async def open_round(
        self,
        pilot_id: int,
        kind: RoundKind,
        prompt: str,
        closes_on: str,
        group: str | None,
        dots: int,
        goal_ids: list[int],
    ) -> Round:
        """A new round in its proposing phase."""
        cursor = await self.db.execute(
            "INSERT INTO rounds (pilot_id, kind, prompt, closes_on, stakeholder_group, dots, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (pilot_id, kind, prompt, closes_on, group, dots, utc_now()),
        )
        await self.db.executemany(
            "INSERT INTO round_goals (round_id, goal_id) VALUES (?, ?)",
            [(cursor.lastrowid, goal_id) for goal_id in goal_ids],
        )
        return Round(
            id=cursor.lastrowid,
            pilot_id=pilot_id,
            kind=kind,
            prompt=prompt,
            closes_on=closes_on,
            stakeholder_group=group,
            dots=dots,
            phase="proposing",
        )

    async def current_round(self, pilot_id: int, kind: RoundKind) -> Round | None:
        """The pilot's newest round of this kind, open or closed."""
        row = await self.db.fetch_one(
            "SELECT * FROM rounds WHERE pilot_id = ? AND kind = ? ORDER BY id DESC LIMIT 1",
            (pilot_id, kind),
        )
        return _round(row) if row else None

    async def round(self, round_id: int) -> Round | None:
        """One round, or None."""
        row = await self.db.fetch_one("SELECT * FROM rounds WHERE id = ?", (round_id,))
        return _round(row) if row else None

    async def set_phase(self, round_id: int, phase: str, expected: str) -> bool:
        """Move a round on, if it is still in `expected` (compare-and-set)."""
        cursor = await self.db.execute(
            "UPDATE rounds SET phase = ? WHERE id = ? AND phase = ?", (phase, round_id, expected)
        )
        return cursor.rowcount == 1

    async def goals_of(self, round_id: int) -> list[Proposal]:
        """The approved goals an idea round is about."""
        rows = await self.db.fetch_all(
            "SELECT p.* FROM proposals p JOIN round_goals g ON g.goal_id = p.id "
            "WHERE g.round_id = ? ORDER BY p.id",
            (round_id,),
        )
        return [_proposal(row) for row in rows]

    async def add(
        self, round_id: int, pseudonym: str | None, text: str, status: str, *, on_paper: bool
    ) -> Proposal:
        """A new proposal (a draft of its author's, or pending when entered on paper)."""
        cursor = await self.db.execute(
            "INSERT INTO proposals (round_id, pseudonym, on_paper, text, status, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (round_id, pseudonym, int(on_paper), text, status, utc_now()),
        )
        return await self.get(cursor.lastrowid)

    async def get(self, proposal_id: int) -> Proposal | None:
        """One proposal, or None."""
        row = await self.db.fetch_one("SELECT * FROM proposals WHERE id = ?", (proposal_id,))
        return _proposal(row) if row else None

    async def in_pilot(self, proposal_id: int, pilot_id: int) -> tuple[Proposal, Round] | None:
        """A proposal and its round, if it belongs to this pilot."""
        proposal = await self.get(proposal_id)
        if proposal is None:
            return None
        found = await self.round(proposal.round_id)
        return (proposal, found) if found and found.pilot_id == pilot_id else None

    async def unreviewed_of(self, round_id: int, pseudonym: str) -> Proposal | None:
        """The author's draft or pending proposal in a round (one at a time)."""
        row = await self.db.fetch_one(
            "SELECT * FROM proposals WHERE round_id = ? AND pseudonym = ? "
            "AND status IN ('draft', 'pending') ORDER BY id DESC LIMIT 1",
            (round_id, pseudonym),
        )
        return _proposal(row) if row else None

    async def set_text(self, proposal_id: int, text: str) -> bool:
        """Edit a proposal not yet reviewed; False if it has been reviewed meanwhile."""
        cursor = await self.db.execute(
            "UPDATE proposals SET text = ? WHERE id = ? AND status IN ('draft', 'pending')",
            (text, proposal_id),
        )
        return cursor.rowcount == 1

    async def submit(self, proposal_id: int, pseudonym: str, card_message_id: int) -> bool:
        """A draft sent for review; its confirmation message becomes its status card."""
        cursor = await self.db.execute(
            "UPDATE proposals SET status = 'pending', card_message_id = ? "
            "WHERE id = ? AND pseudonym = ? AND status = 'draft'",
            (card_message_id, proposal_id, pseudonym),
        )
        if cursor.rowcount == 1:
            await self.record(proposal_id, "pending")
        return cursor.rowcount == 1

    async def decide(
        self,
        proposal_id: int,
        expected: tuple[str, ...],
        status: str,
        *,
        reason: str | None = None,
        merged_into: int | None = None,
        action_id: int | None = None,
    ) -> bool:
        """Change a proposal's status if it is still in one of `expected` (compare-and-set).

        Two coordinators deciding at once: the first to commit wins, the other changes
        nothing. Dots and supports of a merged or rejected proposal are dropped with it.
        """
        marks = ",".join("?" * len(expected))
        cursor = await self.db.execute(
            f"UPDATE proposals SET status = ?, reason = COALESCE(?, reason), "
            f"merged_into = COALESCE(?, merged_into), action_id = COALESCE(?, action_id) "
            f"WHERE id = ? AND status IN ({marks})",
            (status, reason, merged_into, action_id, proposal_id, *expected),
        )
        if cursor.rowcount != 1:
            return False
        if status in ("merged", "rejected"):
            await self.db.execute("DELETE FROM dots WHERE proposal_id = ?", (proposal_id,))
            await self.db.execute("DELETE FROM supports WHERE proposal_id = ?", (proposal_id,))
        await self.record(proposal_id, status)
        return True

    async def record(self, proposal_id: int, status: str) -> None:
        """One line of a proposal's history."""
        await self.db.execute(
            "INSERT INTO proposal_history (proposal_id, status, at) VALUES (?, ?, ?)",
            (proposal_id, status, utc_now()),
        )

    async def history(self, proposal_id: int) -> list[tuple[str, str]]:
        """A proposal's status changes, oldest first: (status, when)."""
        rows = await self.db.fetch_all(
            "SELECT status, at FROM proposal_history WHERE proposal_id = ? ORDER BY id",
            (proposal_id,),
        )
        return [(row["status"], row["at"]) for row in rows]

    async def of_action(self, action_id: int, pilot_id: int) -> Proposal | None:
        """The idea an action of this pilot came from."""
        row = await self.db.fetch_one(
            "SELECT p.* FROM proposals p JOIN actions a ON a.id = p.action_id "
            "WHERE a.id = ? AND a.pilot_id = ?",
            (action_id, pilot_id),
        )
        return _proposal(row) if row else None

    async def pending_in_pilot(self, pilot_id: int, limit: int) -> list[Proposal]:
        """Proposals waiting for review in the pilot's open rounds, oldest first."""
        rows = await self.db.fetch_all(
            "SELECT p.* FROM proposals p JOIN rounds r ON r.id = p.round_id "
            "WHERE r.pilot_id = ? AND r.phase != 'closed' AND p.status = 'pending' "
            "ORDER BY p.id LIMIT ?",
            (pilot_id, limit),
        )
        return [_proposal(row) for row in rows]

    async def ranking(self, round_id: int) -> list[Ranked]:
        """The round's approved (shortlisted, acted on) proposals, most votes of any kind first."""
        rows = await self.db.fetch_all(
            "SELECT p.*, "
            "(SELECT COUNT(*) FROM dots d WHERE d.proposal_id = p.id) AS n_dots, "
            "(SELECT COUNT(*) FROM dots d WHERE d.proposal_id = p.id AND d.pseudonym IS NULL) "
            "AS n_paper, "
            "(SELECT COUNT(*) FROM supports s WHERE s.proposal_id = p.id) AS n_supports, "
            "(SELECT COALESCE(SUM(json_extract(w.counts, '$[' || o.key || ']') "
            "+ json_extract(w.paper, '$[' || o.key || ']')), 0) "
            "FROM workshop_polls w, json_each(w.option_subjects) o "
            "WHERE w.subject_id = p.round_id AND o.value = p.id) AS n_workshop "
            "FROM proposals p WHERE p.round_id = ? "
            "AND p.status IN ('approved', 'shortlisted', 'action') "
            "ORDER BY n_dots + n_supports + n_workshop DESC, p.id",
            (round_id,),
        )
        return [
            Ranked(
                proposal=_proposal(row),
                dots=row["n_dots"],
                paper_dots=row["n_paper"],
                supports=row["n_supports"],
                workshop_votes=row["n_workshop"],
            )
            for row in rows
        ]

    async def dots_of(self, round_id: int, pseudonym: str) -> dict[int, int]:
        """How many dots the person has put on each proposal of the round."""
        rows = await self.db.fetch_all(
            "SELECT proposal_id, COUNT(*) AS n FROM dots WHERE round_id = ? AND pseudonym = ? "
            "GROUP BY proposal_id",
            (round_id, pseudonym),
        )
        return {row["proposal_id"]: row["n"] for row in rows}

    async def add_dots(
        self,
        round_id: int,
        proposal_id: int,
        pseudonym: str | None,
        group: str | None,
        count: int,
        allowed: int | None,
    ) -> bool:
        """Put dots on an approved proposal, never beyond `allowed` per person.

        The check and the insert are one statement, so two presses at once cannot both
        take the last dot. Paper dots (`pseudonym` None) have no per-person limit.
        """
        added = 0
        for _n in range(count):
            cursor = await self.db.execute(
                "INSERT INTO dots (round_id, proposal_id, pseudonym, stakeholder_group, "
                "created_at) SELECT ?, id, ?, ?, ? FROM proposals "
                "WHERE id = ? AND round_id = ? AND status = 'approved' "
                "AND (? IS NULL OR (SELECT COUNT(*) FROM dots WHERE round_id = ? "
                "AND pseudonym = ?) < ?)",
                (
                    round_id,
                    pseudonym,
                    group,
                    utc_now(),
                    proposal_id,
                    round_id,
                    allowed,
                    round_id,
                    pseudonym,
                    allowed,
                ),
            )
            added += cursor.rowcount
        return added == count

    async def remove_dot(self, round_id: int, proposal_id: int, pseudonym: str) -> bool:
        """Take back one of the person's dots from a proposal."""
        cursor = await self.db.execute(
            "DELETE FROM dots WHERE id = (SELECT MAX(id) FROM dots WHERE round_id = ? "
            "AND proposal_id = ? AND pseudonym = ?)",
            (round_id, proposal_id, pseudonym),
        )
        return cursor.rowcount == 1

    async def dots_by_group(self, round_id: int) -> dict[str | None, tuple[int, int]]:
        """Per stakeholder group: (people who put dots, dots), Telegram voters only."""
        rows = await self.db.fetch_all(
            "SELECT stakeholder_group, COUNT(DISTINCT pseudonym) AS people, COUNT(*) AS n "
            "FROM dots WHERE round_id = ? AND pseudonym IS NOT NULL GROUP BY stakeholder_group",
            (round_id,),
        )
        return {row["stakeholder_group"]: (row["people"], row["n"]) for row in rows}

    async def supported(self, proposal_id: int, pseudonym: str) -> bool:
        """Whether the person supports the idea."""
        row = await self.db.fetch_one(
            "SELECT 1 FROM supports WHERE proposal_id = ? AND pseudonym = ?",
            (proposal_id, pseudonym),
        )
        return row is not None

    async def toggle_support(self, proposal_id: int, pseudonym: str) -> bool | None:
        """Support an approved idea, or withdraw the support; None if it takes no support."""
        removed = await self.db.execute(
            "DELETE FROM supports WHERE proposal_id = ? AND pseudonym = ?",
            (proposal_id, pseudonym),
        )
        if removed.rowcount:
            return False
        added = await self.db.execute(
            "INSERT INTO supports (proposal_id, pseudonym, created_at) SELECT id, ?, ? "
            "FROM proposals WHERE id = ? AND status IN ('approved', 'shortlisted')",
            (pseudonym, utc_now(), proposal_id),
        )
        return True if added.rowcount else None

    async def recipient(self, pseudonym: str) -> Recipient | None:
        """The chat and language of a person we may still message."""
        row = await self.db.fetch_one(
            "SELECT c.chat_id, p.language FROM contacts c JOIN people p "
            "ON p.pseudonym = c.pseudonym WHERE c.pseudonym = ? AND c.active = 1",
            (pseudonym,),
        )
        return Recipient(chat_id=row["chat_id"], language=row["language"]) if row else None

    async def workshop_invitees(self, pilot_id: int, group: str | None) -> list[Recipient]:
        """Active members who consented to workshop invitations (of one group, if given)."""
        rows = await self.db.fetch_all(
            "SELECT c.chat_id, p.language FROM members m "
            "JOIN contacts c ON c.pseudonym = m.pseudonym AND c.active = 1 "
            "JOIN people p ON p.pseudonym = m.pseudonym "
            "WHERE m.pilot_id = ? AND m.status = 'active' "
            "AND (? IS NULL OR m.stakeholder_group = ?) "
            "AND (SELECT granted FROM consents k WHERE k.pilot_id = m.pilot_id "
            "AND k.pseudonym = m.pseudonym AND k.purpose = 'workshops' "
            "ORDER BY k.id DESC LIMIT 1) = 1",
            (pilot_id, group, group),
        )
        return [Recipient(chat_id=row["chat_id"], language=row["language"]) for row in rows]
