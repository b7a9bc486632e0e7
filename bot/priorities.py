"""What the steps' rounds and the workshops share: when a round takes part, and the dot
rule. A dot placed from /goals and one placed in a workshop's dot vote are the same dot,
drawn from the same budget of N per person and round."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.services import Services
from bot.storage.repositories.proposals import Proposal, Round


@dataclass(frozen=True)
class Refused:
    """Why nothing was done: one of the `why` values the handlers explain."""

    why: str
    # For "taken": the status the other decision left the proposal in.
    status: str | None = None


def today(services: Services) -> str:
    """Today's date in the pilot's time zone (rounds close at the end of their last day)."""
    return datetime.now(ZoneInfo(services.settings.timezone)).date().isoformat()


def is_open(found: Round, day: str) -> bool:
    """Whether the round still takes part: not closed, and its last day not past."""
    return found.phase != "closed" and day <= found.closes_on


async def goal_in_dot_voting(
    services: Services, pilot_id: int, goal_id: int, day: str
) -> tuple[Proposal, Round] | Refused:
    """The pilot's goal and its round, if the round is open for dots (call in a transaction)."""
    found = await services.proposals.in_pilot(goal_id, pilot_id)
    if found is None:
        return Refused("unknown")
    if not is_open(found[1], day) or found[1].phase != "prioritising":
        return Refused("closed")
    return found


async def move_dot(
    services: Services,
    pilot_id: int,
    goal_id: int,
    pseudonym: str,
    group: str | None,
    add: bool,
    day: str,
    update_id: int | None,
) -> Refused | None:
    """One dot put on (or taken off) an approved goal; never more than the round's N."""
    repo = services.proposals
    async with services.db.transaction(update_id):
        found = await goal_in_dot_voting(services, pilot_id, goal_id, day)
        if isinstance(found, Refused):
            return found
        proposal, its_round = found
        if proposal.status != "approved":
            return Refused("not_votable")
        if not add:
            return (
                None if await repo.remove_dot(its_round.id, goal_id, pseudonym) else Refused("none")
            )
        if not await repo.add_dots(its_round.id, goal_id, pseudonym, group, 1, its_round.dots):
            return Refused("none_left")
    return None
