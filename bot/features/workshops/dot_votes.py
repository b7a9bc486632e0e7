"""Dot voting on the pilot's goals from the workshop's group: a button opens it in each
person's private chat, where N dots are placed with buttons; the facilitator shows the
results in the group on request. The dots are those of /goals (one budget per round)."""

from __future__ import annotations

import asyncio

from telegram import Message, Update

from bot.chat.callbacks import Press, id_argument
from bot.chat.caller import Caller
from bot.chat.context import BotContext
from bot.chat.labels import short
from bot.chat.render import (
    Answer,
    button,
    group_button,
    keyboard,
    link_button,
    say,
    say_in,
    send_file_in,
)
from bot.features.workshops import sessions
from bot.features.workshops.group import deep_link, not_a_member, workshop_or_say
from bot.i18n import N_, translator
from bot.priorities import Refused
from bot.storage.repositories.proposals import Round
from bot.storage.repositories.workshops import Workshop
from seroi.charts import poll_results_png
from seroi.disclosure import may_show

# The deep link's payload: /start wsdot-<workshop id>.
LINK = "wsdot"
NO_ROUND = N_("There is no goal round in its dot voting. A coordinator starts it with /prioritise.")
CLOSED = N_("The dot voting has closed.")
REFUSALS = {
    "closed": CLOSED,
    "not_votable": N_("That goal no longer takes dots."),
    "none_left": N_("You have no dots left: {dots} of {dots} are placed. Take one back first."),
    "none": N_("You have no dot on that goal."),
}


async def dots_command(update: Update, context: BotContext) -> None:
    """`/dots`: invite the group to place their dots on the goals, each in private."""
    workshop = await workshop_or_say(context, update)
    if workshop is None:
        return
    found = await sessions.voting_round(context.services, workshop)
    if found is None:
        await say_in(context, workshop.chat_id, context.caller._(NO_ROUND))
        return
    _ = translator(workshop.language)
    vote = link_button(_("Vote in private"), deep_link(context, f"{LINK}-{workshop.id}"))
    results = group_button(
        context, workshop.chat_id, _("Show the results"), "wsdres", str(workshop.id)
    )
    await say_in(
        context,
        workshop.chat_id,
        _(
            "Dot voting: {question}\nEach of you has {dots} dots for the approved goals. "
            "Place them in a private chat with me: press the button."
        ).format(question=found.prompt, dots=found.dots),
        keyboard([[vote], [results]]),
    )


async def _show(
    context: BotContext,
    caller: Caller,
    workshop: Workshop,
    found: Round,
    replacing: Message | None = None,
) -> None:
    """The goals, the caller's dots on each and the dots left, as buttons."""
    _ = caller._
    repo = context.services.proposals
    goals = [r.proposal for r in await repo.ranking(found.id) if r.proposal.status == "approved"]
    mine = await repo.dots_of(found.id, caller.pseudonym)
    left = found.dots - sum(mine.values())
    text = "\n".join(
        [
            _("Dot voting: {question}").format(question=found.prompt),
            _("You have {left} of {dots} dots left.").format(left=left, dots=found.dots),
            _("Press a goal to put a dot on it; − takes one back."),
        ]
    )
    rows = []
    for goal in goals:
        placed = mine.get(goal.id, 0)
        argument = f"{workshop.id}:{goal.id}"
        row = [
            button(
                caller, context, f"#{goal.id} {short(goal.text, 30)} ({placed})", "wdadd", argument
            )
        ]
        if placed:
            row.append(button(caller, context, "−", "wddel", argument))
        rows.append(row)
    await say(context, caller, text, keyboard(rows), replacing=replacing)


async def on_start(update: Update, context: BotContext) -> None:
    """`/start wsdot-<id>` from the group's button: the caller's dots, to place."""
    caller = context.caller
    services = context.services
    workshop_id = context.args[0].removeprefix(f"{LINK}-")
    workshop = await services.workshops.get(id_argument(workshop_id))
    found = None
    if workshop is not None and workshop.status == "open":
        found = await sessions.voting_round(services, workshop)
    if found is None:
        await say(context, caller, caller._(CLOSED))
        return
    if not await sessions.member_of(services, caller, workshop):
        await say(context, caller, not_a_member(caller._, context, workshop))
        return
    await _show(context, caller, workshop, found)


async def on_dot(
    update: Update, context: BotContext, caller: Caller, press: Press
) -> Answer | bool:
    """A dot put on a goal (or taken off); the screen shows the dots left."""
    services = context.services
    workshop_id, _sep, goal_id = press.argument.partition(":")
    workshop = await services.workshops.get(id_argument(workshop_id))
    if workshop is None or workshop.status != "open":
        return False
    refused = await sessions.place_dot(
        services, caller, workshop, id_argument(goal_id), press.action == "wdadd", update.update_id
    )
    found = await sessions.voting_round(services, workshop)
    if refused is not None or found is None:
        why = refused.why if isinstance(refused, Refused) else "closed"
        if why == "not_member":
            return Answer(not_a_member(caller._, context, workshop), alert=True)
        if why == "unknown":
            return False
        dots = found.dots if found else 0
        return Answer(caller._(REFUSALS[why]).format(dots=dots), alert=True)
    await _show(context, caller, workshop, found, replacing=update.callback_query.message)
    return True


async def on_results(update: Update, context: BotContext, caller: Caller, press: Press) -> bool:
    """ "Show the results" in the group: the facilitator's press posts the dots chart."""
    workshop = await sessions.run_by(context.services, caller, update.effective_chat.id)
    if workshop is None or workshop.id != id_argument(press.argument) or workshop.muted:
        return False
    found = await context.services.proposals.current_round(workshop.pilot_id, "goal")
    if found is None:
        return False
    await post_results(context, workshop, found)
    return True


async def post_results(context: BotContext, workshop: Workshop, found: Round) -> None:
    """The dots per goal so far, or "not enough responses" under five voters."""
    _ = translator(workshop.language)
    repo = context.services.proposals
    ranking = [r for r in await repo.ranking(found.id) if r.proposal.status == "approved"]
    voters = sum(people for people, _dots in (await repo.dots_by_group(found.id)).values())
    if not may_show(voters, sensitive=False) or not ranking:
        text = _("“{question}”: not enough responses to show results (fewer than 5).").format(
            question=found.prompt
        )
        await say_in(context, workshop.chat_id, text)
        return
    dots = sum(r.dots for r in ranking)
    caption = _("{voters} people placed {dots} dots").format(voters=voters, dots=dots)
    chart = await asyncio.to_thread(
        poll_results_png,
        [f"#{r.proposal.id} {short(r.proposal.text, 50)}" for r in ranking],
        [r.dots for r in ranking],
        lang=workshop.language,
        title=found.prompt,
        subtitle=caption,
    )
    await send_file_in(
        context,
        workshop.chat_id,
        chart,
        filename=f"dots-{found.id}.png",
        caption=f"{found.prompt}\n{caption}",
    )
