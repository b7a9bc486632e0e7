"""Goal rounds and idea rounds as use cases: each one transaction, refusals as values.

Every status change of a proposal is a `Change`, given to `tell` inside the decision's
transaction: exactly one message to the proposer ("you said, we did") plus an edit of
their status card, stored with the decision.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.priorities import Refused, goal_in_dot_voting, is_open, today
from bot.services import Services
from bot.storage.repositories.proposals import Proposal, Recipient, Round, RoundKind

MAX_TEXT = 280
MAX_REASON = 300
MAX_BUDGET_EUR = 10_000_000


@dataclass(frozen=True)
class Change:
    """One status change of a proposal, to be told to its proposer."""

    proposal: Proposal
    status: str


# Called with each change inside the decision's transaction: the proposer's news is
# stored with the decision, never apart from it.
Tell = Callable[[Change], Awaitable[None]]


async def open_round(
    services: Services,
    pilot_id: int,
    kind: RoundKind,
    prompt: str,
    closes_on: str,
    group: str | None,
    dots: int,
    goal_ids: list[int],
    day: str,
    update_id: int | None,
) -> tuple[Round, list[Recipient]] | Refused:
    """A new round, and who is to be told (members who consented to workshop invitations)."""
    repo = services.proposals
    async with services.db.transaction(update_id):
        latest = await repo.current_round(pilot_id, kind)
        if latest is not None and is_open(latest, day):
            return Refused("round_open")
        for goal_id in goal_ids:
            found = await repo.in_pilot(goal_id, pilot_id)
            if found is None or found[1].kind != "goal" or found[0].status != "approved":
                return Refused("not_a_goal")
        made = await repo.open_round(pilot_id, kind, prompt, closes_on, group, dots, goal_ids)
    return made, await repo.workshop_invitees(pilot_id, group)


async def set_phase(
    services: Services, pilot_id: int, kind: RoundKind, phase: str, update_id: int | None
) -> Round | Refused:
    """Move the pilot's open round on: to prioritising (goal rounds) or closed."""
    repo = services.proposals
    async with services.db.transaction(update_id):
        found = await repo.current_round(pilot_id, kind)
        if found is None:
            return Refused("no_round")
        if not is_open(found, today(services)):
            return Refused("closed")
        if phase == "prioritising" and (kind != "goal" or found.phase != "proposing"):
            return Refused("wrong_phase")
        if not await repo.set_phase(found.id, phase, found.phase):
            return Refused("wrong_phase")
    return found.model_copy(update={"phase": phase})


def check_text(text: str, limit: int = MAX_TEXT) -> Refused | None:
    """Empty or too long text is refused (the handler names the limit)."""
    if not text.strip():
        return Refused("empty")
    if len(text) > limit:
        return Refused("too_long")
    return None


async def propose(
    services: Services,
    pilot_id: int,
    kind: RoundKind,
    pseudonym: str | None,
    text: str,
    day: str,
    update_id: int | None,
) -> tuple[str, Proposal] | Refused:
    """A draft proposal to confirm, or the author's unreviewed one edited.

    Without a pseudonym it is a facilitator's entry from paper: pending at once.
    Answers ("draft" | "edited" | "paper", proposal).
    """
    text = " ".join(text.split())
    if refused := check_text(text):
        return refused
    repo = services.proposals
    async with services.db.transaction(update_id):
        found = await repo.current_round(pilot_id, kind)
        if found is None:
            return Refused("no_round")
        if not is_open(found, day) or found.phase != "proposing":
            return Refused("closed")
        if pseudonym is None:
            made = await repo.add(found.id, None, text, "pending", on_paper=True)
            await repo.record(made.id, "pending")
            return "paper", made
        mine = await repo.unreviewed_of(found.id, pseudonym)
        if mine is not None and await repo.set_text(mine.id, text):
            return ("edited" if mine.status == "pending" else "draft"), mine.model_copy(
                update={"text": text}
            )
        return "draft", await repo.add(found.id, pseudonym, text, "draft", on_paper=False)


async def submit(
    services: Services,
    pseudonym: str,
    proposal_id: int,
    card_message_id: int,
    update_id: int | None,
) -> Proposal | None:
    """The author confirms a draft; None if it was sent already or replaced."""
    async with services.db.transaction(update_id):
        if not await services.proposals.submit(proposal_id, pseudonym, card_message_id):
            return None
        return await services.proposals.get(proposal_id)


# What a decision needs the proposal to be in, and what it makes of it.
DECISIONS = {
    "approve": (("pending",), "approved"),
    "reject": (("pending",), "rejected"),
    "merge": (("pending",), "merged"),
    "shortlist": (("approved",), "shortlisted"),
}


async def decide(
    services: Services,
    pilot_id: int,
    proposal_id: int,
    decision: str,
    update_id: int | None,
    *,
    actor: str,
    tell: Tell,
    reason: str | None = None,
    into: int | None = None,
) -> Change | Refused:
    """A coordinator's decision; if someone else decided first, Refused("taken")."""
    async with services.db.transaction(update_id):
        return await _decide(services, pilot_id, actor, tell, proposal_id, decision, reason, into)


async def approve_all(
    services: Services,
    pilot_id: int,
    actor: str,
    tell: Tell,
    proposal_ids: list[int],
    update_id: int | None,
) -> list[Change | Refused]:
    """Several proposals approved at once (a workshop's worth), each decided on its own."""
    async with services.db.transaction(update_id):
        return [
            await _decide(services, pilot_id, actor, tell, proposal_id, "approve", None, None)
            for proposal_id in proposal_ids
        ]


async def _audit(
    services: Services, pilot_id: int, actor: str, what: str, proposal: Proposal, detail: str
) -> None:
    """A decision in the audit log, in the decision's own transaction. The reason stays on
    the proposal: it is free text, and the log is for who decided what and when."""
    await services.audit.add(
        what, actor=actor, pilot_id=pilot_id, subject=proposal.pseudonym, detail=detail
    )


async def _decide(
    services: Services,
    pilot_id: int,
    actor: str,
    tell: Tell,
    proposal_id: int,
    decision: str,
    reason: str | None,
    into: int | None,
) -> Change | Refused:
    """One decision, inside the caller's transaction."""
    expected, status = DECISIONS[decision]
    repo = services.proposals
    found = await repo.in_pilot(proposal_id, pilot_id)
    if found is None or found[0].status == "draft":
        return Refused("unknown")
    proposal, its_round = found
    if decision == "shortlist" and its_round.kind != "idea":
        return Refused("ideas_only")
    if into is not None:
        target = await repo.in_pilot(into, pilot_id)
        if (
            target is None
            or into == proposal_id
            or target[0].round_id != proposal.round_id
            or target[0].status not in ("approved", "shortlisted")
        ):
            return Refused("bad_target")
    if proposal.status not in expected or not await repo.decide(
        proposal_id, expected, status, reason=reason, merged_into=into
    ):
        return Refused("taken", proposal.status)
    detail = f"proposal={proposal_id}" + (f" into={into}" if into is not None else "")
    await _audit(services, pilot_id, actor, f"proposal {status}", proposal, detail)
    change = Change(await repo.get(proposal_id), status)
    await tell(change)
    return change


async def make_action(
    services: Services,
    pilot_id: int,
    actor: str,
    tell: Tell,
    proposal_id: int,
    budget_eur: float,
    update_id: int | None,
) -> Change | Refused:
    """A shortlisted idea becomes an action of the pilot, with its budget."""
    repo = services.proposals
    async with services.db.transaction(update_id):
        found = await repo.in_pilot(proposal_id, pilot_id)
        if found is None or found[1].kind != "idea":
            return Refused("unknown")
        if found[0].status != "shortlisted":
            return Refused("not_shortlisted")
        action = await services.actions.add(pilot_id, found[0].text[:120], budget_eur)
        if not await repo.decide(proposal_id, ("shortlisted",), "action", action_id=action.id):
            return Refused("taken")
        changed = await repo.get(proposal_id)
        detail = f"proposal={proposal_id} action={action.id} budget_eur={budget_eur:g}"
        await _audit(services, pilot_id, actor, "proposal became an action", changed, detail)
        change = Change(changed, "action")
        await tell(change)
    return change


async def action_moves(
    services: Services,
    pilot_id: int,
    actor: str,
    tell: Tell,
    action_id: int,
    status: str,
    update_id: int | None,
) -> Change | Refused:
    """An action started or done; told to the proposer of the idea it came from."""
    expected = {"started": "planned", "done": "started"}[status]
    repo = services.proposals
    async with services.db.transaction(update_id):
        idea = await repo.of_action(action_id, pilot_id)
        if idea is None:
            return Refused("unknown")
        if not await services.actions.set_status(action_id, status, expected):
            return Refused("taken")
        await repo.record(idea.id, status)
        detail = f"proposal={idea.id} action={action_id}"
        await _audit(services, pilot_id, actor, f"action {status}", idea, detail)
        change = Change(idea, status)
        await tell(change)
    return change


async def paper_dots(
    services: Services, pilot_id: int, goal_id: int, count: int, day: str, update_id: int | None
) -> Refused | None:
    """Dots from a paper or hands-up session, entered by a facilitator (no per-person limit)."""
    async with services.db.transaction(update_id):
        found = await goal_in_dot_voting(services, pilot_id, goal_id, day)
        if isinstance(found, Refused):
            return found
        if not await services.proposals.add_dots(found[1].id, goal_id, None, None, count, None):
            return Refused("not_votable")
    return None


async def toggle_support(
    services: Services,
    pilot_id: int,
    idea_id: int,
    pseudonym: str,
    day: str,
    update_id: int | None,
) -> bool | Refused:
    """Support an idea, or withdraw the support: whether it is supported now."""
    repo = services.proposals
    async with services.db.transaction(update_id):
        found = await repo.in_pilot(idea_id, pilot_id)
        if found is None or found[1].kind != "idea":
            return Refused("unknown")
        if not is_open(found[1], day):
            return Refused("closed")
        supported = await repo.toggle_support(idea_id, pseudonym)
    return Refused("not_votable") if supported is None else supported
