"""Workshops bound to a group, their polls, votes and attendance."""

from __future__ import annotations

import json

import aiosqlite
from pydantic import BaseModel

from bot.storage.db import utc_now
from bot.storage.repositories.base import Repository


class Workshop(BaseModel):
    id: int
    pilot_id: int
    chat_id: int
    title: str
    language: str
    facilitator: str
    status: str
    join_code: str
    attendance_message_id: int | None
    attendance_shown: int
    attendance_edited_at: float
    guests: int
    poll_set: str | None
    set_position: int
    muted: bool


class WorkshopPoll(BaseModel):
    id: int
    workshop_id: int
    question: str
    options: list[str]
    kind: str
    scale_min: int | None
    named: bool
    multiple: bool
    hidden: bool
    open_period: int | None
    subject_kind: str | None
    subject_id: int | None
    option_subjects: list[int] | None
    status: str
    telegram_poll_id: str | None
    message_id: int | None
    counts: list[int]
    voters: int
    paper: list[int]


class NewPoll(BaseModel):
    """A poll as the facilitator asked for it, before Telegram has it."""

    question: str
    options: list[str]
    kind: str = "choice"
    scale_min: int | None = None
    named: bool = False
    multiple: bool = False
    hidden: bool = False
    open_period: int | None = None
    subject_kind: str | None = None
    subject_id: int | None = None
    # The goal or idea of each option, for a poll over a round (`subject_id`).
    option_subjects: list[int] | None = None


class OpenQuestion(BaseModel):
    id: int
    workshop_id: int
    text: str
    status: str


class OpenAnswer(BaseModel):
    id: int
    question_id: int
    text: str
    language: str
    status: str


def _workshop(row: aiosqlite.Row) -> Workshop:
    return Workshop(**{key: row[key] for key in Workshop.model_fields})


def _poll(row: aiosqlite.Row) -> WorkshopPoll:
    values = {key: row[key] for key in WorkshopPoll.model_fields}
    for key in ("options", "counts", "paper", "option_subjects"):
        if values[key] is not None:
            values[key] = json.loads(values[key])
    return WorkshopPoll(**values)


class Workshops(Repository):
    """Workshops, their polls, the votes of pilot members and who came."""

    async def open_in(self, chat_id: int) -> Workshop | None:
        """The open workshop of a group, if any."""
        row = await self.db.fetch_one(
            "SELECT * FROM workshops WHERE chat_id = ? AND status = 'open'", (chat_id,)
        )
        return _workshop(row) if row else None

    async def get(self, workshop_id: int) -> Workshop | None:
        """A workshop by id."""
        row = await self.db.fetch_one("SELECT * FROM workshops WHERE id = ?", (workshop_id,))
        return _workshop(row) if row else None

    async def create(
        self, pilot_id: int, chat_id: int, title: str, language: str, facilitator: str, code: str
    ) -> Workshop:
        """A new open workshop in a group."""
        cursor = await self.db.execute(
            "INSERT INTO workshops (pilot_id, chat_id, title, language, facilitator, join_code, "
            "started_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (pilot_id, chat_id, title, language, facilitator, code, utc_now()),
        )
        return await self.get(cursor.lastrowid)

    async def end(self, workshop_id: int) -> None:
        """Close a workshop: its open polls closed, the guests' tokens kept only as a count."""
        await self.db.execute(
            "UPDATE workshop_polls SET status = 'closed', closed_at = ? "
            "WHERE workshop_id = ? AND status != 'closed'",
            (utc_now(), workshop_id),
        )
        await self.db.execute(
            "UPDATE workshops SET status = 'ended', ended_at = ? WHERE id = ?",
            (utc_now(), workshop_id),
        )
        await self.db.execute("DELETE FROM workshop_guests WHERE workshop_id = ?", (workshop_id,))

    async def set_muted(self, workshop_id: int, muted: bool) -> bool:
        """Record whether the group lets the bot write; False if it was so already."""
        cursor = await self.db.execute(
            "UPDATE workshops SET muted = ? WHERE id = ? AND muted != ?",
            (muted, workshop_id, muted),
        )
        return cursor.rowcount == 1

    async def start_set(self, workshop_id: int, name: str) -> None:
        """Run a prepared poll set from its first poll."""
        await self.db.execute(
            "UPDATE workshops SET poll_set = ?, set_position = 0 WHERE id = ?", (name, workshop_id)
        )

    async def advance_set(self, workshop_id: int, position: int) -> None:
        """Remember how far the poll set has run."""
        await self.db.execute(
            "UPDATE workshops SET set_position = ? WHERE id = ?", (position, workshop_id)
        )

    # Polls

    async def add_poll(self, workshop_id: int, poll: NewPoll) -> int:
        """A poll about to be sent; its Telegram id is recorded once it is sent."""
        cursor = await self.db.execute(
            "INSERT INTO workshop_polls (workshop_id, question, options, kind, scale_min, named, "
            "multiple, hidden, open_period, subject_kind, subject_id, option_subjects, counts, "
            "paper, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                workshop_id,
                poll.question,
                json.dumps(poll.options, ensure_ascii=False),
                poll.kind,
                poll.scale_min,
                poll.named,
                poll.multiple,
                poll.hidden,
                poll.open_period,
                poll.subject_kind,
                poll.subject_id,
                None if poll.option_subjects is None else json.dumps(poll.option_subjects),
                json.dumps([0] * len(poll.options)),
                json.dumps([0] * len(poll.options)),
                utc_now(),
            ),
        )
        return cursor.lastrowid

    async def poll_sent(self, poll_id: int, telegram_poll_id: str, message_id: int) -> None:
        """Telegram has the poll: answers to it can now be matched."""
        await self.db.execute(
            "UPDATE workshop_polls SET telegram_poll_id = ?, message_id = ?, "
            "status = CASE status WHEN 'sending' THEN 'open' ELSE status END WHERE id = ?",
            (telegram_poll_id, message_id, poll_id),
        )

    async def poll(self, poll_id: int) -> WorkshopPoll | None:
        """A poll by our id."""
        row = await self.db.fetch_one("SELECT * FROM workshop_polls WHERE id = ?", (poll_id,))
        return _poll(row) if row else None

    async def by_telegram_id(self, telegram_poll_id: str) -> tuple[WorkshopPoll, Workshop] | None:
        """A poll by Telegram's id, with its workshop."""
        row = await self.db.fetch_one(
            "SELECT * FROM workshop_polls WHERE telegram_poll_id = ?", (telegram_poll_id,)
        )
        if row is None:
            return None
        return _poll(row), await self.get(row["workshop_id"])

    async def current_poll(self, workshop_id: int) -> WorkshopPoll | None:
        """The newest poll of the workshop still taking votes."""
        row = await self.db.fetch_one(
            "SELECT * FROM workshop_polls WHERE workshop_id = ? AND status IN ('sending', 'open') "
            "ORDER BY id DESC LIMIT 1",
            (workshop_id,),
        )
        return _poll(row) if row else None

    async def last_poll(self, workshop_id: int) -> WorkshopPoll | None:
        """The newest poll of the workshop, open or closed."""
        row = await self.db.fetch_one(
            "SELECT * FROM workshop_polls WHERE workshop_id = ? ORDER BY id DESC LIMIT 1",
            (workshop_id,),
        )
        return _poll(row) if row else None

    async def polls_of(self, workshop_id: int) -> list[WorkshopPoll]:
        """Every poll of a workshop, oldest first."""
        rows = await self.db.fetch_all(
            "SELECT * FROM workshop_polls WHERE workshop_id = ? ORDER BY id", (workshop_id,)
        )
        return [_poll(row) for row in rows]

    async def set_tally(self, poll_id: int, counts: list[int], voters: int) -> None:
        """Telegram's latest tally of a poll not yet closed."""
        await self.db.execute(
            "UPDATE workshop_polls SET counts = ?, voters = ? "
            "WHERE id = ? AND status IN ('open', 'closing')",
            (json.dumps(counts), voters, poll_id),
        )

    async def add_paper(self, poll_id: int, counts: list[int]) -> None:
        """Add the counts of a paper or hands-up vote."""
        poll = await self.poll(poll_id)
        paper = [old + new for old, new in zip(poll.paper, counts, strict=True)]
        await self.db.execute(
            "UPDATE workshop_polls SET paper = ? WHERE id = ?", (json.dumps(paper), poll_id)
        )

    async def reset_poll(self, poll_id: int) -> None:
        """Forget a poll's counts and stored votes, to send it anew (before it is closed)."""
        poll = await self.poll(poll_id)
        zeros = json.dumps([0] * len(poll.options))
        await self.db.execute(
            "UPDATE workshop_polls SET paper = ?, counts = ?, voters = 0, status = 'sending', "
            "telegram_poll_id = NULL WHERE id = ?",
            (zeros, zeros, poll_id),
        )
        await self.db.execute("DELETE FROM poll_votes WHERE poll_id = ?", (poll_id,))

    async def mark_closing(self, poll_id: int) -> bool:
        """A poll stopped in the group, its final tally to come; False if no longer open."""
        cursor = await self.db.execute(
            "UPDATE workshop_polls SET status = 'closing' "
            "WHERE id = ? AND status IN ('sending', 'open')",
            (poll_id,),
        )
        return cursor.rowcount == 1

    async def close_poll(self, poll_id: int) -> bool:
        """Close a poll; False if it was closed already."""
        cursor = await self.db.execute(
            "UPDATE workshop_polls SET status = 'closed', closed_at = ? "
            "WHERE id = ? AND status != 'closed'",
            (utc_now(), poll_id),
        )
        return cursor.rowcount == 1

    async def record_vote(self, poll_id: int, pseudonym: str, option_ids: list[int]) -> None:
        """A pilot member's answer to a named poll; no options is a retraction."""
        if not option_ids:
            await self.db.execute(
                "DELETE FROM poll_votes WHERE poll_id = ? AND pseudonym = ?", (poll_id, pseudonym)
            )
            return
        await self.db.execute(
            "INSERT INTO poll_votes (poll_id, pseudonym, option_ids) VALUES (?, ?, ?) "
            "ON CONFLICT (poll_id, pseudonym) DO UPDATE SET option_ids = excluded.option_ids",
            (poll_id, pseudonym, json.dumps(option_ids)),
        )

    async def member_votes(self, poll_id: int) -> list[list[int]]:
        """What the pilot members chose in a poll, one list per member."""
        rows = await self.db.fetch_all(
            "SELECT option_ids FROM poll_votes WHERE poll_id = ?", (poll_id,)
        )
        return [json.loads(row["option_ids"]) for row in rows]

    # Attendance

    async def attend(self, workshop_id: int, pseudonym: str) -> bool:
        """A pilot member is here; False if they were counted already."""
        cursor = await self.db.execute(
            "INSERT OR IGNORE INTO workshop_attendance (workshop_id, pseudonym) VALUES (?, ?)",
            (workshop_id, pseudonym),
        )
        return cursor.rowcount == 1

    async def attend_as_guest(self, workshop_id: int, token: str) -> bool:
        """Someone outside the pilot is here; False if they were counted already."""
        cursor = await self.db.execute(
            "INSERT OR IGNORE INTO workshop_guests (workshop_id, token) VALUES (?, ?)",
            (workshop_id, token),
        )
        if cursor.rowcount != 1:
            return False
        await self.db.execute(
            "UPDATE workshops SET guests = guests + 1 WHERE id = ?", (workshop_id,)
        )
        return True

    async def attendance(self, workshop_id: int) -> int:
        """How many people said they are here (members and guests)."""
        row = await self.db.fetch_one(
            "SELECT (SELECT COUNT(*) FROM workshop_attendance WHERE workshop_id = w.id) + w.guests "
            "AS n FROM workshops w WHERE w.id = ?",
            (workshop_id,),
        )
        return row["n"] if row else 0

    async def set_attendance_message(self, workshop_id: int, message_id: int) -> None:
        """The group message with the "I'm here" button (learnt from the first press)."""
        await self.db.execute(
            "UPDATE workshops SET attendance_message_id = ? WHERE id = ?",
            (message_id, workshop_id),
        )

    async def claim_attendance_edit(self, workshop_id: int, now: float, gap: float) -> int | None:
        """The count to show now, if the last edit is `gap` seconds old and the count moved.

        Claiming and stamping in one statement lets only one of many concurrent presses edit.
        """
        count = await self.attendance(workshop_id)
        cursor = await self.db.execute(
            "UPDATE workshops SET attendance_shown = ?, attendance_edited_at = ? "
            "WHERE id = ? AND attendance_shown != ? AND attendance_edited_at <= ? "
            "AND attendance_message_id IS NOT NULL",
            (count, now, workshop_id, count, now - gap),
        )
        return count if cursor.rowcount == 1 else None

    async def chat_of(self, pseudonym: str) -> int | None:
        """The private chat of a person (to tell a facilitator something), if we have it."""
        row = await self.db.fetch_one(
            "SELECT chat_id FROM contacts WHERE pseudonym = ? AND active = 1", (pseudonym,)
        )
        return row["chat_id"] if row else None

    # Questions to the panel

    async def latest_open_of_pilot(self, pilot_id: int) -> Workshop | None:
        """The pilot's most recently started workshop still running."""
        row = await self.db.fetch_one(
            "SELECT * FROM workshops WHERE pilot_id = ? AND status = 'open' "
            "ORDER BY id DESC LIMIT 1",
            (pilot_id,),
        )
        return _workshop(row) if row else None

    async def add_question(self, workshop_id: int, text: str) -> int:
        """A question sent to the panel, waiting for the facilitator."""
        cursor = await self.db.execute(
            "INSERT INTO panel_questions (workshop_id, text, created_at) VALUES (?, ?, ?)",
            (workshop_id, text, utc_now()),
        )
        return cursor.lastrowid

    async def question(self, question_id: int) -> tuple[int, str, str] | None:
        """(workshop id, text, status) of a question."""
        row = await self.db.fetch_one(
            "SELECT workshop_id, text, status FROM panel_questions WHERE id = ?", (question_id,)
        )
        return (row["workshop_id"], row["text"], row["status"]) if row else None

    async def set_question_status(self, question_id: int, old: str, new: str) -> bool:
        """Move a question on (approved, rejected, answered); False if it was not `old`."""
        cursor = await self.db.execute(
            "UPDATE panel_questions SET status = ? WHERE id = ? AND status = ?",
            (new, question_id, old),
        )
        return cursor.rowcount == 1

    async def upvote(self, question_id: int, pseudonym: str) -> bool:
        """One upvote per person; False if they had upvoted already."""
        cursor = await self.db.execute(
            "INSERT OR IGNORE INTO question_votes (question_id, pseudonym) VALUES (?, ?)",
            (question_id, pseudonym),
        )
        return cursor.rowcount == 1

    async def top_questions(self, workshop_id: int, limit: int) -> list[tuple[int, str, int]]:
        """The approved, unanswered questions with the most upvotes: (id, text, upvotes)."""
        rows = await self.db.fetch_all(
            "SELECT q.id, q.text, COUNT(v.pseudonym) AS votes FROM panel_questions q "
            "LEFT JOIN question_votes v ON v.question_id = q.id "
            "WHERE q.workshop_id = ? AND q.status = 'approved' "
            "GROUP BY q.id ORDER BY votes DESC, q.id LIMIT ?",
            (workshop_id, limit),
        )
        return [(row["id"], row["text"], row["votes"]) for row in rows]

    # Open questions

    async def open_question(self, workshop_id: int, text: str) -> OpenQuestion:
        """A new open question of the workshop; the one asked before it stops taking answers."""
        await self.db.execute(
            "UPDATE open_questions SET status = 'closed' WHERE workshop_id = ? AND status = 'open'",
            (workshop_id,),
        )
        cursor = await self.db.execute(
            "INSERT INTO open_questions (workshop_id, text, created_at) VALUES (?, ?, ?)",
            (workshop_id, text, utc_now()),
        )
        return OpenQuestion(id=cursor.lastrowid, workshop_id=workshop_id, text=text, status="open")

    async def question_asked(self, question_id: int) -> OpenQuestion | None:
        """An open question by id."""
        row = await self.db.fetch_one(
            "SELECT id, workshop_id, text, status FROM open_questions WHERE id = ?", (question_id,)
        )
        return OpenQuestion(**dict(row)) if row else None

    async def latest_question(self, workshop_id: int) -> OpenQuestion | None:
        """The workshop's newest open question, taking answers or not."""
        row = await self.db.fetch_one(
            "SELECT id, workshop_id, text, status FROM open_questions WHERE workshop_id = ? "
            "ORDER BY id DESC LIMIT 1",
            (workshop_id,),
        )
        return OpenQuestion(**dict(row)) if row else None

    async def questions_asked(self, workshop_id: int) -> list[OpenQuestion]:
        """Every open question of a workshop, oldest first."""
        rows = await self.db.fetch_all(
            "SELECT id, workshop_id, text, status FROM open_questions WHERE workshop_id = ? "
            "ORDER BY id",
            (workshop_id,),
        )
        return [OpenQuestion(**dict(row)) for row in rows]

    async def answer(
        self, question_id: int, pseudonym: str, text: str, language: str
    ) -> OpenAnswer | None:
        """A member's answer, or their new wording of one not yet moderated; None if it was."""
        cursor = await self.db.execute(
            "INSERT INTO open_answers (question_id, pseudonym, text, language, created_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (question_id, pseudonym) DO UPDATE "
            "SET text = excluded.text, language = excluded.language WHERE status = 'new' "
            "RETURNING id, question_id, text, language, status",
            (question_id, pseudonym, text, language, utc_now()),
        )
        row = await cursor.fetchone()
        return OpenAnswer(**dict(row)) if row else None

    async def open_answer(self, answer_id: int) -> OpenAnswer | None:
        """An answer to an open question, by id."""
        row = await self.db.fetch_one(
            "SELECT id, question_id, text, language, status FROM open_answers WHERE id = ?",
            (answer_id,),
        )
        return OpenAnswer(**dict(row)) if row else None

    async def moderate_answer(self, answer_id: int, status: str) -> bool:
        """Approve or reject a new answer; False if it was decided already."""
        cursor = await self.db.execute(
            "UPDATE open_answers SET status = ? WHERE id = ? AND status = 'new'",
            (status, answer_id),
        )
        return cursor.rowcount == 1

    async def approved_answers(self, question_id: int) -> list[OpenAnswer]:
        """The approved answers to a question, in the order they came."""
        rows = await self.db.fetch_all(
            "SELECT id, question_id, text, language, status FROM open_answers "
            "WHERE question_id = ? AND status = 'approved' ORDER BY id",
            (question_id,),
        )
        return [OpenAnswer(**dict(row)) for row in rows]
