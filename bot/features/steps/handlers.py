"""SEROI+ steps 1 and 3 in chat: goal rounds with dot voting, idea rounds, actions.

Members take part from /goals and /ideas and propose with /goal and /idea; coordinators
decide with /review, /approve, /merge, /reject, /shortlist, /action; facilitators open
rounds and enter what was said on paper with /paper. Every status change is told to the
proposer (`cards.News`), stored in the decision's own transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import TypeVar

from telegram import Message, Update

from bot import priorities
from bot.chat.callbacks import Press, ascii_number, id_argument
from bot.chat.caller import Caller
from bot.chat.commands import Button, Command
from bot.chat.context import BotContext
from bot.chat.labels import GROUP_LABELS, short
from bot.chat.render import button, edit_in, keyboard, say, say_in
from bot.features.steps import rounds as use
from bot.features.steps.cards import STATUS_NAMES, News, card_text
from bot.i18n import N_, local_date, resolve_language, translator
from bot.storage.models import STAKEHOLDER_GROUPS
from bot.storage.repositories.proposals import Proposal, Recipient, Round, RoundKind
from seroi.disclosure import MIN_GROUP, may_show

Done = TypeVar("Done")

# /review lists at most this many proposals at once (one Approve button each).
LISTED = 10
MAX_PROMPT = 200
MAX_DOTS = 20

GOALROUND_USAGE = N_(
    "Usage: /goalround LAST-DAY [dots=N] [group=GROUP] QUESTION, for example "
    "/goalround 2026-12-20 dots=3 What should Laitila look like in five years?"
)
IDEAROUND_USAGE = N_(
    "Usage: /idearound LAST-DAY goals=NUMBERS QUESTION, for example "
    "/idearound 2027-01-15 goals=3,5 How could we get there?"
)
APPROVE_USAGE = N_("Usage: /approve NUMBER (or several numbers: /approve 3 4 7)")
PAPER_USAGE = N_(
    "Usage: /paper goal TEXT, /paper idea TEXT, or /paper dots GOAL-NUMBER COUNT — for what "
    "people without Telegram said in a workshop."
)
CLOSED = N_("This round has closed.")
REFUSALS = {
    "round_open": N_("A round of this kind is open already; close it first with /closeround."),
    "not_a_goal": N_("Idea rounds are about approved goals; please check the goal numbers."),
    "no_round": N_("There is no round of this kind yet."),
    "wrong_phase": N_("The round is not in the phase for that."),
    "empty": N_("Please write your proposal after the command, in at most {limit} characters."),
    "too_long": N_("That is too long: at most {limit} characters, please."),
    "closed": CLOSED,
    "unknown": N_("There is no such proposal in this pilot."),
    "taken": N_(
        "Someone else has just decided about this proposal; your decision was not applied. "
        "Its status now: {status}."
    ),
    "bad_target": N_(
        "A proposal can be merged only into another approved proposal of the same round."
    ),
    "ideas_only": N_("Only ideas are shortlisted."),
    "not_shortlisted": N_("Only a shortlisted idea can become an action; /shortlist it first."),
    "not_votable": N_(
        "Only approved proposals take dots or support; this one was not approved, so "
        "nothing was recorded."
    ),
    "none_left": N_("You have no dots left: {dots} of {dots} are placed. Take one back first."),
    "none": N_("You have no dot on that goal."),
    "other_group": N_("This round is for another stakeholder group."),
}


def _refusal(caller: Caller, refused: use.Refused, **values: object) -> str:
    return caller._(REFUSALS[refused.why]).format(limit=use.MAX_TEXT, **values)


async def _no_pilot(context: BotContext, caller: Caller) -> None:
    await say(context, caller, caller._("First choose a pilot with /pilots."))


def _rules(caller: Caller, found: Round) -> str:
    """A round's rules, shown before anyone proposes."""
    _ = caller._
    day = local_date(found.closes_on, caller.language)
    if found.kind == "goal":
        head = _("Goal round: {question}").format(question=found.prompt)
        spread = _("Each person gets {dots} dots to spread over the approved goals.").format(
            dots=found.dots
        )
    else:
        head = _("Idea round: {question}").format(question=found.prompt)
        spread = _("You can support any number of approved ideas, one support per idea.")
    lines = [
        head,
        _(CLOSED) if found.phase == "closed" else _("Open until the end of {day}.").format(day=day),
        spread,
        _(
            "A coordinator reviews every proposal: approves it, merges it with a similar one, "
            "or turns it down with a reason. You are told each time."
        ),
        _("Proposals that are not approved are not used, and /delete erases them."),
        _(
            "Approved proposals belong to the pilot: if you later use /delete, they stay, "
            "without your name."
        ),
    ]
    if found.stakeholder_group:
        group = _(GROUP_LABELS[found.stakeholder_group])
        lines.insert(1, _("For the stakeholder group: {group}.").format(group=group))
    return "\n".join(lines)


def _parse_round(args: list[str], today: str) -> tuple[str, dict[str, str], str] | None:
    """LAST-DAY, key=value options, then the question; None if malformed."""
    if not args:
        return None
    try:
        day = date.fromisoformat(args[0]).isoformat() if args[0].isascii() else None
    except ValueError:
        day = None
    if day is None or day < today:
        return None
    options: dict[str, str] = {}
    rest = args[1:]
    while rest and "=" in rest[0] and rest[0].split("=", 1)[0] in ("dots", "group", "goals"):
        key, _sep, value = rest.pop(0).partition("=")
        options[key] = value
    question = " ".join(rest).strip()
    if not question or len(question) > MAX_PROMPT:
        return None
    return day, options, question


async def _announce(context: BotContext, found: Round, invitees: list[Recipient]) -> None:
    """Tell the members who consented to workshop invitations, each in their language."""
    default = context.services.settings.default_language
    for invitee in invitees:
        language = resolve_language(invitee.language, None, default)
        _ = translator(language)
        text = (
            _("A new goal round has opened: “{question}”. Take part with /goals.")
            if found.kind == "goal"
            else _("A new idea round has opened: “{question}”. Take part with /ideas.")
        ).format(question=found.prompt)
        await say_in(context, invitee.chat_id, text)


async def _open(update: Update, context: BotContext, kind: RoundKind) -> None:
    caller = context.caller
    _ = caller._
    services = context.services
    if caller.pilot is None:
        await _no_pilot(context, caller)
        return
    usage = GOALROUND_USAGE if kind == "goal" else IDEAROUND_USAGE
    parsed = _parse_round(context.args, use.today(services))
    dots = group = None
    goal_ids: list[int] = []
    if parsed is not None:
        day, options, question = parsed
        dots = ascii_number(options.get("dots", "3"))
        group = options.get("group")
        numbers = [ascii_number(n) for n in options.get("goals", "").split(",") if n]
        goal_ids = [n for n in numbers if n is not None]
        valid = (
            dots is not None
            and 1 <= dots <= MAX_DOTS
            and (group is None or group in STAKEHOLDER_GROUPS)
            and len(goal_ids) == len(numbers)
            and (kind == "goal" or goal_ids)
        )
        if not valid:
            parsed = None
    if parsed is None:
        await say(context, caller, _(usage))
        return
    opened = await use.open_round(
        services,
        caller.pilot.id,
        kind,
        question,
        day,
        group,
        dots,
        goal_ids,
        use.today(services),
        update.update_id,
    )
    if isinstance(opened, use.Refused):
        await say(context, caller, _refusal(caller, opened))
        return
    found, invitees = opened
    told = _("Members told (those who accepted workshop invitations): {count}.").format(
        count=len(invitees)
    )
    await say(context, caller, f"{_rules(caller, found)}\n\n{told}")
    await _announce(context, found, invitees)


async def goalround(update: Update, context: BotContext) -> None:
    """`/goalround LAST-DAY [dots=N] [group=G] QUESTION`: open a goal round."""
    await _open(update, context, "goal")


async def idearound(update: Update, context: BotContext) -> None:
    """`/idearound LAST-DAY goals=1,2 QUESTION`: open an idea round about approved goals."""
    await _open(update, context, "idea")


def _count(caller: Caller, dots: int, paper: int) -> str:
    # "dots: N" rather than "N dots": the catalogs have no plural forms, and "1 dots" jars.
    _ = caller._
    if paper:
        return _("dots: {dots}, {paper} of them entered from paper").format(dots=dots, paper=paper)
    return _("dots: {dots}").format(dots=dots)


def _paper_mark(caller: Caller, proposal: Proposal) -> str:
    """Marks a proposal a facilitator entered for someone without Telegram."""
    return caller._(" (entered from paper)") if proposal.on_paper else ""


def _workshop_votes(caller: Caller, votes: int) -> str:
    """What workshop polls over the round added, marked as such (nothing if none)."""
    if not votes:
        return ""
    return ", " + caller._("workshop poll votes: {votes}").format(votes=votes)


async def _show_goals(
    context: BotContext, caller: Caller, found: Round, replacing: Message | None = None
) -> None:
    """Rules, the ranking so far, and (while prioritising) the caller's dots as buttons."""
    _ = caller._
    repo = context.services.proposals
    ranking = await repo.ranking(found.id)
    lines = [_rules(caller, found), ""]
    if ranking:
        lines.append(_("Approved goals, most dots first:"))
        lines += [
            f"{place}. #{r.proposal.id} {r.proposal.text}{_paper_mark(caller, r.proposal)} — "
            + _count(caller, r.dots, r.paper_dots)
            + _workshop_votes(caller, r.workshop_votes)
            for place, r in enumerate(ranking, 1)
        ]
    else:
        lines.append(_("No goal has been approved yet."))
    if caller.level in ("coordinator", "facilitator", "admin") and ranking:
        paper = sum(r.paper_dots for r in ranking)
        lines += _group_breakdown(caller, await repo.dots_by_group(found.id), paper)
    rows = []
    if found.phase == "prioritising" and ranking:
        mine = await repo.dots_of(found.id, caller.pseudonym)
        left = found.dots - sum(mine.values())
        lines += ["", _("You have {left} of {dots} dots left.").format(left=left, dots=found.dots)]
        for r in ranking:
            placed = mine.get(r.proposal.id, 0)
            label = f"+ #{r.proposal.id} {short(r.proposal.text, 30)} ({placed})"
            arg = f"{found.id}:{r.proposal.id}"
            row = [button(caller, context, label, "dotadd", arg)]
            if placed:
                row.append(button(caller, context, "−", "dotdel", arg))
            rows.append(row)
    elif found.phase == "proposing":
        lines += ["", _("To propose a goal, write /goal and your proposal in one message.")]
    markup = keyboard(rows) if rows else None
    await say(context, caller, "\n".join(lines), markup, replacing=replacing)


def _group_breakdown(
    caller: Caller, by_group: dict[str | None, tuple[int, int]], paper: int
) -> list[str]:
    """Dots per stakeholder group; groups of fewer than five voters are pooled, not shown.

    Paper dots have no group; their own line makes the lines add up to the ranking's total.
    """
    _ = caller._
    lines = ["", _("Dots by stakeholder group:")]
    hidden = 0
    for group, (people, dots) in sorted(by_group.items(), key=lambda item: str(item[0])):
        if group is not None and may_show(people, sensitive=False):
            lines.append(f"• {_(GROUP_LABELS[group])}: {dots}")
        else:
            hidden += dots
    if hidden:
        lines.append(
            _("• groups of fewer than {minimum} people, together: {dots}").format(
                minimum=MIN_GROUP, dots=hidden
            )
        )
    if paper:
        lines.append(_("• entered from paper: {dots}").format(dots=paper))
    return lines


async def goals(update: Update, context: BotContext) -> None:
    """`/goals`: the open goal round, its rules, the ranking, and dots to place."""
    caller = context.caller
    if caller.pilot is None:
        await _no_pilot(context, caller)
        return
    found = await context.services.proposals.current_round(caller.pilot.id, "goal")
    if found is None:
        await say(context, caller, caller._("There is no goal round yet."))
        return
    await _show_goals(context, caller, found)


async def ideas(update: Update, context: BotContext) -> None:
    """`/ideas`: the open idea round, its goals, and the approved ideas to support."""
    caller = context.caller
    _ = caller._
    if caller.pilot is None:
        await _no_pilot(context, caller)
        return
    repo = context.services.proposals
    found = await repo.current_round(caller.pilot.id, "idea")
    if found is None:
        await say(context, caller, _("There is no idea round yet."))
        return
    lines = [_rules(caller, found), "", _("For the goals:")]
    lines += [f"• #{goal.id} {goal.text}" for goal in await repo.goals_of(found.id)]
    ranking = await repo.ranking(found.id)
    rows = []
    lines.append("")
    if ranking:
        lines.append(_("Approved ideas, most support first:"))
    for r in ranking:
        status = (
            "" if r.proposal.status == "approved" else f" ({_(STATUS_NAMES[r.proposal.status])})"
        )
        lines.append(
            _("#{number} {text} — supported by {count}").format(
                number=r.proposal.id,
                text=r.proposal.text + _paper_mark(caller, r.proposal),
                count=r.supports,
            )
            + _workshop_votes(caller, r.workshop_votes)
            + status
        )
        if r.proposal.status != "action" and found.phase != "closed":
            mine = await repo.supported(r.proposal.id, caller.pseudonym)
            label = (
                _("Withdraw support for #{number}") if mine else _("Support #{number}")
            ).format(number=r.proposal.id)
            rows.append([button(caller, context, label, "support", f"{found.id}:{r.proposal.id}")])
    lines.append(_("To propose an idea, write /idea and your idea in one message."))
    await say(context, caller, "\n".join(lines), keyboard(rows) if rows else None)


async def _propose(update: Update, context: BotContext, kind: RoundKind) -> None:
    caller = context.caller
    _ = caller._
    services = context.services
    if caller.pilot is None:
        await _no_pilot(context, caller)
        return
    found = await services.proposals.current_round(caller.pilot.id, kind)
    group = caller.member.stakeholder_group if caller.member else None
    if found is not None and found.stakeholder_group not in (None, group):
        await say(context, caller, _refusal(caller, use.Refused("other_group")))
        return
    text = " ".join(context.args)
    made = await use.propose(
        services,
        caller.pilot.id,
        kind,
        caller.pseudonym,
        text,
        use.today(services),
        update.update_id,
    )
    if isinstance(made, use.Refused):
        await say(context, caller, _refusal(caller, made))
        return
    how, proposal = made
    if how == "edited":
        history = await services.proposals.history(proposal.id)
        await say(context, caller, _("Your proposal is changed; it is still waiting for review."))
        text = card_text(_, proposal, history, caller.language)
        await edit_in(context, caller.chat_id, proposal.card_message_id, text)
        return
    confirm = _("You are proposing: “{text}”").format(text=proposal.text)
    send = button(caller, context, _("Send for review"), "send", str(proposal.id))
    await say(
        context,
        caller,
        f"{_rules(caller, found)}\n\n{confirm}\n"
        + _("To change it, write the command again with the new text."),
        keyboard([[send]]),
    )


async def goal(update: Update, context: BotContext) -> None:
    """`/goal TEXT`: propose a goal (or change the one not yet reviewed)."""
    await _propose(update, context, "goal")


async def idea(update: Update, context: BotContext) -> None:
    """`/idea TEXT`: propose an idea (or change the one not yet reviewed)."""
    await _propose(update, context, "idea")


async def on_send(update: Update, context: BotContext, caller: Caller, press: Press) -> bool:
    """A draft sent for review: the confirmation becomes the proposal's status card."""
    message = update.callback_query.message
    sent = await use.submit(
        context.services,
        caller.pseudonym,
        id_argument(press.argument),
        message.message_id,
        update.update_id,
    )
    if sent is None:
        return False
    history = await context.services.proposals.history(sent.id)
    await say(
        context, caller, card_text(caller._, sent, history, caller.language), replacing=message
    )
    await say(context, caller, caller._("Thank you! A coordinator will review your proposal."))
    return True


async def paper(update: Update, context: BotContext) -> None:
    """`/paper goal|idea TEXT` or `/paper dots GOAL COUNT`: entries for people without Telegram."""
    caller = context.caller
    _ = caller._
    services = context.services
    if caller.pilot is None:
        await _no_pilot(context, caller)
        return
    what, *rest = context.args or [""]
    day = use.today(services)
    if what == "dots" and len(rest) == 2:
        goal_id, count = ascii_number(rest[0]), ascii_number(rest[1])
        if goal_id is not None and count is not None and 1 <= count <= 500:
            done = await use.paper_dots(
                services, caller.pilot.id, goal_id, count, day, update.update_id
            )
            if isinstance(done, use.Refused):
                await say(context, caller, _refusal(caller, done))
                return
            await say(
                context,
                caller,
                _("{count} paper dots added to goal #{number}; counts show them as such.").format(
                    count=count, number=goal_id
                ),
            )
            return
    elif what in ("goal", "idea") and rest:
        made = await use.propose(
            services, caller.pilot.id, what, None, " ".join(rest), day, update.update_id
        )
        if isinstance(made, use.Refused):
            await say(context, caller, _refusal(caller, made))
            return
        await say(
            context,
            caller,
            _("Proposal #{number} entered from paper; it waits for review like the others.").format(
                number=made[1].id
            ),
        )
        return
    await say(context, caller, _(PAPER_USAGE))


async def review(update: Update, context: BotContext) -> None:
    """`/review`: the proposals waiting for a decision, with how to decide."""
    caller = context.caller
    _ = caller._
    if caller.pilot is None:
        await _no_pilot(context, caller)
        return
    waiting = await context.services.proposals.pending_in_pilot(caller.pilot.id, LISTED)
    if not waiting:
        await say(context, caller, _("No proposal is waiting for review."))
        return
    lines = [_("Waiting for review:")]
    lines += [f"#{p.id} {p.text}{_paper_mark(caller, p)}" for p in waiting]
    lines += [
        "",
        _(
            "Approve with the buttons or /approve NUMBER; /merge NUMBER INTO-NUMBER; "
            "/reject NUMBER REASON (the proposer can read the reason)."
        ),
    ]
    rows = [
        [
            button(
                caller,
                context,
                _("Approve #{number}").format(number=p.id),
                "approve",
                f"{caller.pilot.id}:{p.id}",
            )
        ]
        for p in waiting
    ]
    await say(context, caller, "\n".join(lines), keyboard(rows))


async def _decided(context: BotContext, caller: Caller, done: use.Change | use.Refused) -> None:
    """Tell the coordinator what happened (the proposer has been told by `_with_news`)."""
    _ = caller._
    if isinstance(done, use.Refused):
        status = _(STATUS_NAMES[done.status]) if done.status else ""
        await say(context, caller, _refusal(caller, done, status=status))
        return
    paper_mark = (
        _(" It was entered from paper, so nobody is told.") if done.proposal.on_paper else ""
    )
    await say(
        context,
        caller,
        _("Proposal #{number}: {status}.").format(
            number=done.proposal.id, status=_(STATUS_NAMES[done.status])
        )
        + paper_mark,
    )


async def _with_news(context: BotContext, decide: Callable[[use.Tell], Awaitable[Done]]) -> Done:
    """Run a decision that stores its proposers' news in its transaction; send it after."""
    news = News(context.services, context.outbox)
    done = await decide(news.store)
    news.send()
    return done


def _numbers(context: BotContext, count: int) -> list[int] | None:
    """The first `count` arguments as ids, or None."""
    found = [ascii_number(arg) for arg in context.args[:count]]
    return found if len(found) == count and None not in found else None


async def _decide_command(update: Update, context: BotContext, decision: str, usage: str) -> None:
    caller = context.caller
    _ = caller._
    if caller.pilot is None:
        await _no_pilot(context, caller)
        return
    wanted = 2 if decision == "merge" else 1
    numbers = _numbers(context, wanted)
    reason = " ".join(context.args[1:]).strip() if decision == "reject" else None
    if numbers is None or (decision == "reject" and not reason):
        await say(context, caller, _(usage))
        return
    if reason and len(reason) > use.MAX_REASON:
        too_long = REFUSALS["too_long"]
        await say(context, caller, _(too_long).format(limit=use.MAX_REASON))
        return
    done = await _with_news(
        context,
        lambda tell: use.decide(
            context.services,
            caller.pilot.id,
            numbers[0],
            decision,
            update.update_id,
            actor=caller.pseudonym,
            tell=tell,
            reason=reason,
            into=numbers[1] if decision == "merge" else None,
        ),
    )
    await _decided(context, caller, done)


async def approve(update: Update, context: BotContext) -> None:
    """`/approve NUMBER [NUMBER ...]`: approve one or more proposals."""
    caller = context.caller
    if caller.pilot is None:
        await _no_pilot(context, caller)
        return
    numbers = _numbers(context, len(context.args))
    if not numbers or len(numbers) > LISTED:
        await say(context, caller, caller._(APPROVE_USAGE))
        return
    done = await _with_news(
        context,
        lambda tell: use.approve_all(
            context.services, caller.pilot.id, caller.pseudonym, tell, numbers, update.update_id
        ),
    )
    for decided in done:
        await _decided(context, caller, decided)


async def reject(update: Update, context: BotContext) -> None:
    """`/reject NUMBER REASON`: turn a proposal down, saying why."""
    await _decide_command(
        update, context, "reject", N_("Usage: /reject NUMBER REASON (the proposer reads it)")
    )


async def merge(update: Update, context: BotContext) -> None:
    """`/merge NUMBER INTO`: merge a proposal into a similar approved one."""
    await _decide_command(update, context, "merge", N_("Usage: /merge NUMBER INTO-NUMBER"))


async def shortlist(update: Update, context: BotContext) -> None:
    """`/shortlist NUMBER`: shortlist an approved idea."""
    await _decide_command(update, context, "shortlist", N_("Usage: /shortlist NUMBER"))


async def action(update: Update, context: BotContext) -> None:
    """`/action NUMBER BUDGET`: a shortlisted idea becomes an action with a budget in euros."""
    caller = context.caller
    _ = caller._
    if caller.pilot is None:
        await _no_pilot(context, caller)
        return
    numbers = _numbers(context, 2)
    if numbers is None or len(context.args) != 2 or numbers[1] > use.MAX_BUDGET_EUR:
        await say(
            context, caller, _("Usage: /action IDEA-NUMBER BUDGET-IN-EUROS, e.g. /action 7 2500")
        )
        return
    done = await _with_news(
        context,
        lambda tell: use.make_action(
            context.services,
            caller.pilot.id,
            caller.pseudonym,
            tell,
            numbers[0],
            float(numbers[1]),
            update.update_id,
        ),
    )
    if isinstance(done, use.Refused):
        await _decided(context, caller, done)
        return
    has_map = await context.services.impact_maps.current(caller.pilot.id) is not None
    map_note = (
        " " + _("The impact map counts the budget from its next version: see /map.")
        if has_map
        else ""
    )
    await say(
        context,
        caller,
        _("Idea #{number} is now action #{action} with a budget of €{budget}.").format(
            number=done.proposal.id, action=done.proposal.action_id, budget=numbers[1]
        )
        + " "
        + _("Mark its progress with /actionstart {action} and /actiondone {action}.").format(
            action=done.proposal.action_id
        )
        + map_note,
    )


async def _move_action(update: Update, context: BotContext, status: str) -> None:
    caller = context.caller
    _ = caller._
    if caller.pilot is None:
        await _no_pilot(context, caller)
        return
    numbers = _numbers(context, 1)
    if numbers is None:
        await say(context, caller, _("Usage: /actionstart NUMBER or /actiondone NUMBER"))
        return
    done = await _with_news(
        context,
        lambda tell: use.action_moves(
            context.services,
            caller.pilot.id,
            caller.pseudonym,
            tell,
            numbers[0],
            status,
            update.update_id,
        ),
    )
    if isinstance(done, use.Refused):
        text = (
            _("There is no such action from an idea in this pilot.")
            if done.why == "unknown"
            else _("That action is not at that point: an action is started first, then done.")
        )
        await say(context, caller, text)
        return
    await say(
        context,
        caller,
        _("Action #{action}: {status}.").format(action=numbers[0], status=_(STATUS_NAMES[status])),
    )


async def actionstart(update: Update, context: BotContext) -> None:
    """`/actionstart NUMBER`: the action has started."""
    await _move_action(update, context, "started")


async def actiondone(update: Update, context: BotContext) -> None:
    """`/actiondone NUMBER`: the action is done."""
    await _move_action(update, context, "done")


async def _phase(update: Update, context: BotContext, kind: RoundKind, phase: str) -> None:
    caller = context.caller
    _ = caller._
    if caller.pilot is None:
        await _no_pilot(context, caller)
        return
    moved = await use.set_phase(context.services, caller.pilot.id, kind, phase, update.update_id)
    if isinstance(moved, use.Refused):
        await say(context, caller, _refusal(caller, moved))
        return
    if phase == "closed":
        await say(
            context, caller, _("The round is closed: “{question}”.").format(question=moved.prompt)
        )
        return
    await say(
        context,
        caller,
        _("Prioritising has started: everyone can now place {dots} dots from /goals.").format(
            dots=moved.dots
        ),
    )


async def prioritise(update: Update, context: BotContext) -> None:
    """`/prioritise`: the open goal round moves from proposing to dot voting."""
    await _phase(update, context, "goal", "prioritising")


async def closeround(update: Update, context: BotContext) -> None:
    """`/closeround goal|idea`: close the pilot's open round of that kind."""
    kind = (context.args or [""])[0]
    if kind not in ("goal", "idea"):
        caller = context.caller
        await say(context, caller, caller._("Usage: /closeround goal or /closeround idea"))
        return
    await _phase(update, context, kind, "closed")


def _pressed_in_pilot(caller: Caller, press: Press) -> tuple[int, int] | None:
    """(first, second) ids of a `a:b` argument, if the caller is still in a pilot."""
    first, _sep, second = press.argument.partition(":")
    if caller.pilot is None:
        return None
    return id_argument(first), id_argument(second)


async def on_approve(update: Update, context: BotContext, caller: Caller, press: Press) -> bool:
    """Approve pressed in /review."""
    ids = _pressed_in_pilot(caller, press)
    if ids is None or ids[0] != caller.pilot.id:
        return False
    done = await _with_news(
        context,
        lambda tell: use.decide(
            context.services,
            caller.pilot.id,
            ids[1],
            "approve",
            update.update_id,
            actor=caller.pseudonym,
            tell=tell,
        ),
    )
    await _decided(context, caller, done)
    return True


async def on_dot(update: Update, context: BotContext, caller: Caller, press: Press) -> bool:
    """A dot put on or taken off; the /goals message shows the dots left."""
    ids = _pressed_in_pilot(caller, press)
    if ids is None:
        return False
    services = context.services
    group = caller.member.stakeholder_group if caller.member else None
    moved = await priorities.move_dot(
        services,
        caller.pilot.id,
        ids[1],
        caller.pseudonym,
        group,
        press.action == "dotadd",
        use.today(services),
        update.update_id,
    )
    found = await services.proposals.round(ids[0])
    if isinstance(moved, use.Refused):
        dots = found.dots if found else 0
        await say(context, caller, _refusal(caller, moved, dots=dots))
        return True
    await _show_goals(context, caller, found, replacing=update.callback_query.message)
    return True


async def on_support(update: Update, context: BotContext, caller: Caller, press: Press) -> bool:
    """Support an idea, or withdraw the support."""
    ids = _pressed_in_pilot(caller, press)
    if ids is None:
        return False
    _ = caller._
    services = context.services
    done = await use.toggle_support(
        services, caller.pilot.id, ids[1], caller.pseudonym, use.today(services), update.update_id
    )
    if isinstance(done, use.Refused):
        await say(context, caller, _refusal(caller, done))
    elif done:
        await say(context, caller, _("You support idea #{number}.").format(number=ids[1]))
    else:
        await say(
            context,
            caller,
            _("Your support for idea #{number} is withdrawn.").format(number=ids[1]),
        )
    return True


async def on_why(update: Update, context: BotContext, caller: Caller, press: Press) -> bool:
    """The coordinator's reason, for the proposer only."""
    proposal = await context.services.proposals.get(id_argument(press.argument))
    if proposal is None or proposal.pseudonym != caller.pseudonym or not proposal.reason:
        return False
    await say(
        context,
        caller,
        caller._("The coordinator's reason for proposal #{number}: {reason}").format(
            number=proposal.id, reason=proposal.reason
        ),
    )
    return True


COMMANDS = (
    Command("goals", "member", N_("The goal round: rules, ranking, your dots"), goals),
    Command("goal", "member", N_("Propose a local goal"), goal),
    Command("ideas", "member", N_("The idea round: ideas to support"), ideas),
    Command("idea", "member", N_("Propose an idea"), idea),
    Command("goalround", "facilitator", N_("Open a goal round"), goalround),
    Command("idearound", "facilitator", N_("Open an idea round"), idearound),
    Command("paper", "facilitator", N_("Enter proposals or dots from paper"), paper),
    Command("review", "coordinator", N_("Proposals waiting for a decision"), review),
    Command("approve", "coordinator", N_("Approve a proposal"), approve),
    Command("merge", "coordinator", N_("Merge a proposal into another"), merge),
    Command("reject", "coordinator", N_("Turn a proposal down, with a reason"), reject),
    Command("prioritise", "coordinator", N_("Start the dot voting of the goal round"), prioritise),
    Command("shortlist", "coordinator", N_("Shortlist an idea"), shortlist),
    Command("action", "coordinator", N_("Turn a shortlisted idea into an action"), action),
    Command("actionstart", "coordinator", N_("Mark an action as started"), actionstart),
    Command("actiondone", "coordinator", N_("Mark an action as done"), actiondone),
    Command("closeround", "coordinator", N_("Close a goal or idea round"), closeround),
)
BUTTONS = (
    Button("send", "member", on_send),
    Button("dotadd", "member", on_dot),
    Button("dotdel", "member", on_dot),
    Button("support", "member", on_support),
    Button("approve", "coordinator", on_approve),
    Button("why", "everyone", on_why),
)
