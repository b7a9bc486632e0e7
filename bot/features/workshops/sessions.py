"""The workshop use cases: binding a group, polls and their tallies, attendance.

Each takes the services and does its writes in one transaction; the handlers render.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from bot import priorities
from bot.chat.caller import Caller
from bot.features.workshops.polls import from_script
from bot.services import Services
from bot.storage.repositories.proposals import Ranked, Round, RoundKind
from bot.storage.repositories.workshops import (
    NewPoll,
    OpenAnswer,
    OpenQuestion,
    Workshop,
    WorkshopPoll,
)
from conversations.scripts import SHIPPED, shipped
from seroi.disclosure import may_show
from seroi.words import most_frequent

# A member invite made for each workshop: enough uses for a village hall, for two days.
JOIN_USES, JOIN_DAYS = 200, 2
# Seconds between edits of the attendance message: at most 10 a minute, which leaves half
# of Telegram's 20 messages a minute to a group for polls and charts.
ATTENDANCE_EDIT_GAP = 6.0


@dataclass(frozen=True)
class Tally:
    """A poll's results: Telegram's votes plus the paper ones."""

    counts: list[int]
    voters: int
    paper: int
    mean: float | None

    @property
    def showable(self) -> bool:
        """Whether enough people voted to show the results (the small-group rule)."""
        return may_show(self.voters, sensitive=False)


def tally(poll: WorkshopPoll) -> Tally:
    """Telegram's count plus the paper count, and the mean of a scale."""
    counts = [a + b for a, b in zip(poll.counts, poll.paper, strict=True)]
    paper = sum(poll.paper)
    mean = None
    if poll.kind == "scale" and sum(counts):
        mean = sum((poll.scale_min + i) * n for i, n in enumerate(counts)) / sum(counts)
    return Tally(counts, poll.voters + paper, paper, mean)


async def start(
    services: Services, caller: Caller, chat_id: int, title: str, update_id: int
) -> Workshop | None:
    """Bind the group to the caller's pilot as a workshop; None if one is open there already."""
    async with services.db.transaction(update_id):
        if await services.workshops.open_in(chat_id) is not None:
            return None
        code, _invite = await services.invites.create(
            caller.pilot.id, "member", JOIN_USES, JOIN_DAYS
        )
        return await services.workshops.create(
            caller.pilot.id, chat_id, title, caller.language, caller.pseudonym, code
        )


async def run_by(services: Services, caller: Caller, chat_id: int) -> Workshop | None:
    """The group's open workshop, if the caller may run it (their pilot's, or an admin)."""
    workshop = await services.workshops.open_in(chat_id)
    if workshop is None:
        return None
    if caller.is_admin or (caller.pilot is not None and caller.pilot.id == workshop.pilot_id):
        return workshop
    return None


async def ask(services: Services, workshop: Workshop, poll: NewPoll, update_id: int | None) -> int:
    """Store a poll about to be sent; its id."""
    async with services.db.transaction(update_id):
        return await services.workshops.add_poll(workshop.id, poll)


def poll_set_names() -> list[str]:
    """The prepared poll sets shipped."""
    return [name for name in SHIPPED if shipped(name).poll_set]


async def next_of_set(
    services: Services, workshop: Workshop, update_id: int, name: str | None = None
) -> tuple[int, NewPoll] | None:
    """Start (with `name`) or go on with the poll set: the next poll stored; None at its end."""
    async with services.db.transaction(update_id):
        if name is not None:
            await services.workshops.start_set(workshop.id, name)
            position = 0
        else:
            position = workshop.set_position
        poll = from_script(shipped(name or workshop.poll_set), position, workshop.language)
        if poll is None:
            return None
        await services.workshops.advance_set(workshop.id, position + 1)
        return await services.workshops.add_poll(workshop.id, poll), poll


async def close(
    services: Services, poll: WorkshopPoll, update_id: int | None
) -> WorkshopPoll | None:
    """Mark a poll closing until Telegram's final tally comes; None if no longer open."""
    async with services.db.transaction(update_id):
        if not await services.workshops.mark_closing(poll.id):
            return None
        return await services.workshops.poll(poll.id)


async def reset(services: Services, poll: WorkshopPoll, update_id: int) -> None:
    """Forget a poll's votes and paper counts; it is sent anew."""
    async with services.db.transaction(update_id):
        await services.workshops.reset_poll(poll.id)


async def add_paper(
    services: Services, poll: WorkshopPoll, counts: list[int], update_id: int
) -> WorkshopPoll:
    """Add a paper or hands-up vote to a poll; the poll as it now is."""
    async with services.db.transaction(update_id):
        await services.workshops.add_paper(poll.id, counts)
        return await services.workshops.poll(poll.id)


async def end(
    services: Services, workshop: Workshop, update_id: int | None
) -> tuple[list[WorkshopPoll], int]:
    """End a workshop: the polls that were still open, and the attendance."""
    async with services.db.transaction(update_id):
        polls = await services.workshops.polls_of(workshop.id)
        attendance = await services.workshops.attendance(workshop.id)
        await services.workshops.end(workshop.id)
    return [poll for poll in polls if poll.status in ("sending", "open")], attendance


async def record_answer(
    services: Services, caller: Caller, telegram_poll_id: str, option_ids: list[int], update_id: int
) -> bool:
    """A named poll's answer: stored for a pilot member of the poll's workshop, else ignored."""
    found = await services.workshops.by_telegram_id(telegram_poll_id)
    if found is None:
        return False
    poll, workshop = found
    if not poll.named or poll.status != "open" or not await member_of(services, caller, workshop):
        return False
    async with services.db.transaction(update_id):
        await services.workshops.record_vote(poll.id, caller.pseudonym, option_ids)
    return True


async def record_tally(
    services: Services,
    telegram_poll_id: str,
    counts: list[int],
    voters: int,
    closed: bool,
    update_id: int,
) -> tuple[WorkshopPoll, Workshop] | None:
    """Telegram's tally of one of our polls; the poll and workshop if Telegram just closed it."""
    found = await services.workshops.by_telegram_id(telegram_poll_id)
    if found is None or len(counts) != len(found[0].options):
        return None
    poll, workshop = found
    async with services.db.transaction(update_id):
        await services.workshops.set_tally(poll.id, counts, voters)
        if closed and await services.workshops.close_poll(poll.id):
            return await services.workshops.poll(poll.id), workshop
    return None


def guest_token(workshop: Workshop, pseudonym: str) -> str:
    """A one-way token that counts a non-member once per workshop and links to nothing else."""
    return hashlib.sha256(f"{workshop.id}|{pseudonym}".encode()).hexdigest()


async def attend(
    services: Services,
    caller: Caller,
    workshop: Workshop,
    message_id: int,
    now: float,
    update_id: int,
) -> tuple[bool, bool, int | None]:
    """Count the caller as here: (a pilot member?, newly counted?, the count to show now)."""
    repo = services.workshops
    is_member = await member_of(services, caller, workshop)
    async with services.db.transaction(update_id):
        if is_member:
            new = await repo.attend(workshop.id, caller.pseudonym)
        else:
            new = await repo.attend_as_guest(workshop.id, guest_token(workshop, caller.pseudonym))
        if workshop.attendance_message_id is None:
            await repo.set_attendance_message(workshop.id, message_id)
        shown = None
        if not workshop.muted:  # else shown once the group lets the bot write again
            shown = await repo.claim_attendance_edit(workshop.id, now, ATTENDANCE_EDIT_GAP)
    return is_member, new, shown


async def claim_edit(services: Services, workshop_id: int, now: float) -> int | None:
    """For a deferred edit: the attendance to show, if it changed and the gap has passed."""
    async with services.db.transaction():
        return await services.workshops.claim_attendance_edit(workshop_id, now, ATTENDANCE_EDIT_GAP)


async def poll_sent(
    services: Services, poll_id: int, telegram_poll_id: str, message_id: int
) -> int | None:
    """Record Telegram's id of a poll we sent; the group to stop it in if closed meanwhile."""
    async with services.db.transaction():
        await services.workshops.poll_sent(poll_id, telegram_poll_id, message_id)
        poll = await services.workshops.poll(poll_id)
        if poll is None or poll.status != "closing":
            return None
        workshop = await services.workshops.get(poll.workshop_id)
        return workshop.chat_id if workshop else None


async def ask_panel(
    services: Services, caller: Caller, text: str, update_id: int
) -> tuple[Workshop, int, int | None] | None:
    """Store a question for the running workshop: (workshop, its id, the facilitator's chat)."""
    if caller.pilot is None:
        return None
    repo = services.workshops
    workshop = await repo.latest_open_of_pilot(caller.pilot.id)
    if workshop is None:
        return None
    async with services.db.transaction(update_id):
        question_id = await repo.add_question(workshop.id, text)
    return workshop, question_id, await repo.chat_of(workshop.facilitator)


async def moderate(
    services: Services, caller: Caller, question_id: int, approve: bool, update_id: int
) -> tuple[Workshop, str] | None:
    """Approve or reject a new question of a workshop the caller may run."""
    repo = services.workshops
    found = await repo.question(question_id)
    if found is None:
        return None
    workshop = await repo.get(found[0])
    if workshop is None or workshop.status != "open":
        return None
    if await run_by(services, caller, workshop.chat_id) is None:
        return None
    async with services.db.transaction(update_id):
        moved = await repo.set_question_status(
            question_id, "new", "approved" if approve else "rejected"
        )
    return (workshop, found[1]) if moved else None


async def upvote(
    services: Services, caller: Caller, chat_id: int, question_id: int, update_id: int
) -> bool | None:
    """Upvote an approved question of the group's workshop: newly counted, or None if stale."""
    repo = services.workshops
    found = await repo.question(question_id)
    workshop = await repo.open_in(chat_id)
    if found is None or workshop is None or found[0] != workshop.id or found[2] != "approved":
        return None
    async with services.db.transaction(update_id):
        return await repo.upvote(question_id, caller.pseudonym)


async def mark_answered(
    services: Services, workshop: Workshop, question_id: int, update_id: int
) -> str | None:
    """Mark an approved question of this workshop answered; its text, or None."""
    repo = services.workshops
    found = await repo.question(question_id)
    if found is None or found[0] != workshop.id:
        return None
    async with services.db.transaction(update_id):
        moved = await repo.set_question_status(question_id, "approved", "answered")
    return found[1] if moved else None


async def set_muted(services: Services, workshop: Workshop, muted: bool, update_id: int) -> bool:
    """Record that the group restricted the bot (or let it write again); False if no change."""
    async with services.db.transaction(update_id):
        return await services.workshops.set_muted(workshop.id, muted)


async def member_of(services: Services, caller: Caller, workshop: Workshop) -> bool:
    """Whether the caller is an active member of the workshop's pilot."""
    member = await services.members.get(workshop.pilot_id, caller.pseudonym)
    return member is not None and member.status == "active"


# Open questions


async def ask_open(
    services: Services, workshop: Workshop, text: str, update_id: int
) -> OpenQuestion:
    """A new open question (the previous one stops taking answers)."""
    async with services.db.transaction(update_id):
        return await services.workshops.open_question(workshop.id, text)


@dataclass(frozen=True)
class Answering:
    """An open question someone may answer, and its workshop."""

    question: OpenQuestion
    workshop: Workshop


async def answerable(services: Services, question_id: int) -> Answering | None:
    """The question and its workshop, if it still takes answers."""
    question = await services.workshops.question_asked(question_id)
    if question is None or question.status != "open":
        return None
    workshop = await services.workshops.get(question.workshop_id)
    if workshop is None or workshop.status != "open":
        return None
    return Answering(question, workshop)


async def answer_open(
    services: Services, caller: Caller, answering: Answering, text: str, update_id: int
) -> OpenAnswer | None:
    """Store a member's answer (or its new wording); None if the facilitator decided on it."""
    async with services.db.transaction(update_id):
        return await services.workshops.answer(
            answering.question.id, caller.pseudonym, text, caller.language
        )


async def moderate_answer(
    services: Services, caller: Caller, answer_id: int, approve: bool, update_id: int
) -> OpenAnswer | None:
    """Approve or reject a new answer of a workshop the caller may run; None if stale."""
    repo = services.workshops
    answer = await repo.open_answer(answer_id)
    if answer is None:
        return None
    answering = await answerable(services, answer.question_id)
    if answering is None or await run_by(services, caller, answering.workshop.chat_id) is None:
        return None
    async with services.db.transaction(update_id):
        if not await repo.moderate_answer(answer_id, "approved" if approve else "rejected"):
            return None
    return answer


@dataclass(frozen=True)
class Words:
    """What the group is shown of an open question: approved answers and their words."""

    question: OpenQuestion
    answers: list[OpenAnswer]
    words: list[tuple[str, int]]

    @property
    def showable(self) -> bool:
        """Whether enough answers were approved to show them (the small-group rule)."""
        return may_show(len(self.answers), sensitive=False) and bool(self.words)


async def words_of(services: Services, question: OpenQuestion) -> Words:
    """The approved answers to a question and its most frequent words."""
    answers = await services.workshops.approved_answers(question.id)
    words = most_frequent((answer.text, answer.language) for answer in answers)
    return Words(question, answers, words)


# Dot voting and polls over the steps' goals and ideas


async def voting_round(services: Services, workshop: Workshop) -> Round | None:
    """The pilot's goal round while its dots are being placed, if any."""
    found = await services.proposals.current_round(workshop.pilot_id, "goal")
    if found is None or found.phase != "prioritising":
        return None
    return found if priorities.is_open(found, priorities.today(services)) else None


async def place_dot(
    services: Services, caller: Caller, workshop: Workshop, goal_id: int, add: bool, update_id: int
) -> priorities.Refused | None:
    """A dot put on or taken off a goal: the same dots, and budget, as /goals."""
    member = await services.members.get(workshop.pilot_id, caller.pseudonym)
    if member is None or member.status != "active":
        return priorities.Refused("not_member")
    return await priorities.move_dot(
        services,
        workshop.pilot_id,
        goal_id,
        caller.pseudonym,
        member.stakeholder_group,
        add,
        priorities.today(services),
        update_id,
    )


async def round_for_poll(
    services: Services, workshop: Workshop, kind: RoundKind
) -> tuple[Round, list[Ranked]] | None:
    """The pilot's open round of this kind and what may be voted on in it, ranked."""
    found = await services.proposals.current_round(workshop.pilot_id, kind)
    if found is None or not priorities.is_open(found, priorities.today(services)):
        return None
    ranking = await services.proposals.ranking(found.id)
    return found, [r for r in ranking if r.proposal.status in ("approved", "shortlisted")]
