"""Onboarding's questions as use cases: where a member is, and storing what a press moved.

The engine (conversations) decides; this stores its state in the same transaction as
the answer that moved it, with what that answer sets (the language, the consent log,
the member's answers once the script is finished).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.chat.callbacks import id_argument
from bot.chat.caller import Caller
from bot.chat.onboarding import CONSENTS, step_of
from bot.services import Services
from bot.storage.models import CONSENT_PURPOSES, Member, Pilot
from conversations import Step, serialise


@dataclass(frozen=True)
class AtQuestion:
    """A member at an onboarding question: their pilot, membership and engine step."""

    pilot: Pilot
    member: Member
    step: Step


@dataclass(frozen=True)
class Moved:
    """What a press changed: the step now, the language now, and what was recorded."""

    step: Step
    language: str
    # The consent decisions recorded by this press, if it confirmed them.
    decisions: dict[str, bool] | None
    # True when this press finished the onboarding of someone still joining.
    joined: bool


async def where(services: Services, caller: Caller, pilot: Pilot, member: Member) -> Step | None:
    """The step a member is at in onboarding (or the questions added since), or None."""
    if caller.processing_stopped:
        return None
    granted = await services.consents.granted(pilot.id, member.pseudonym)
    return step_of(member, caller.language, granted)


async def at_question(services: Services, caller: Caller, pilot_id: str) -> AtQuestion | None:
    """The member's step in the pilot a button names; None if they are at no question.

    A pilot id that is not a number raises InvalidCallbackError (the button is not ours).
    """
    pilot = await services.pilots.by_id(id_argument(pilot_id))
    if pilot is None:
        return None
    if caller.pilot is not None and caller.pilot.id == pilot.id:
        member = caller.member
    else:
        member = await services.members.get(pilot.id, caller.pseudonym)
    step = None if member is None else await where(services, caller, pilot, member)
    return None if step is None else AtQuestion(pilot, member, step)


async def move(
    services: Services, caller: Caller, at: AtQuestion, after: Step, update_id: int
) -> Moved:
    """Store the step a press moved the member to, and what the answer it took sets."""
    pseudonym = caller.pseudonym
    pilot = at.pilot
    before = at.step.state.path
    answered = after.state.path[-1] if len(after.state.path) > len(before) else None
    language = caller.language
    decisions = None
    joined = after.finished and at.member.status == "onboarding"
    async with services.db.transaction(update_id):
        if answered is not None and answered.question == "language":
            language = str(answered.value)
            await services.people.set_language(pseudonym, language)
        if answered is not None and answered.question == CONSENTS:
            chosen = set(answered.value or ())
            decisions = {purpose: purpose in chosen for purpose in CONSENT_PURPOSES}
            await services.consents.record(pilot, pseudonym, decisions, language)
            await services.members.consents_confirmed(pilot.id, pseudonym)
        if after.finished:
            answers = after.results.answers
            await services.members.finish_onboarding(
                pilot.id,
                pseudonym,
                stakeholder_group=_text(answers.get("stakeholder_group")),
                distance_band=_text(answers.get("distance_band")),
                checkin_day=_text(answers.get("checkin_day")),
                checkin_window=_text(answers.get("checkin_window")),
            )
            if joined:
                await services.audit.add("onboarded", actor=pseudonym, pilot_id=pilot.id)
        else:
            await services.members.set_onboarding_state(pilot.id, pseudonym, serialise(after.state))
    return Moved(after, language, decisions, joined)


@dataclass(frozen=True)
class Cancelled:
    """/cancel stopped the questions; `joining` if it stopped someone joining the pilot."""

    pilot: Pilot
    joining: bool


async def cancel(services: Services, caller: Caller, update_id: int) -> Cancelled | None:
    """Stop the onboarding questions the caller is at; None if they are at none.

    Someone joining stops joining: consents they gave on the way are withdrawn and the
    membership ends, as after /withdraw for this pilot. Anyone else keeps everything as
    it was (the check-in times are asked again before their next check-in).
    """
    pilot, member = caller.pilot, caller.member
    if pilot is None or member is None or await where(services, caller, pilot, member) is None:
        return None
    joining = member.status == "onboarding"
    async with services.db.transaction(update_id):
        if joining:
            granted = await services.consents.granted(pilot.id, caller.pseudonym)
            if granted:
                withdrawn = dict.fromkeys(CONSENT_PURPOSES, False)
                await services.consents.record(pilot, caller.pseudonym, withdrawn, caller.language)
            await services.members.stop_onboarding(pilot.id, caller.pseudonym)
            await services.audit.add("stopped_joining", actor=caller.pseudonym, pilot_id=pilot.id)
        else:
            await services.members.set_onboarding_state(pilot.id, caller.pseudonym, None)
    return Cancelled(pilot, joining)


def _text(value: object) -> str | None:
    return None if value is None else str(value)
