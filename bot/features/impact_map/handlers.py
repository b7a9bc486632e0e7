"""Steps 2 and 4 in chat: /table, the impact map (a YAML file sent, /map) and /indicators."""

from __future__ import annotations

import asyncio

from babel.numbers import format_decimal
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.chat.callbacks import Press, id_argument
from bot.chat.caller import Caller
from bot.chat.commands import Button, Command, allows
from bot.chat.context import BotContext
from bot.chat.invite_card import invite_card
from bot.chat.labels import GROUP_LABELS, short
from bot.chat.render import button, keyboard, say, send_file
from bot.features.impact_map import maps
from bot.features.impact_map.table import group_invite, table
from bot.i18n import N_, format_day
from bot.storage.models import MapEdit, MapVersion
from seroi.charts import DIMENSIONS, dimension_label
from seroi.disclosure import MIN_GROUP
from seroi.impact_map import stakeholder_groups
from seroi.names import Names, names_for
from seroi.proxies import proxies_for
from seroi.returns import evaluate

# Who may change the map and see /table: the level of every row below.
MAP_LEVEL = "coordinator"
HISTORY_SHOWN = 5
OUTCOMES_SHOWN = 12  # the summary stays one screen (and under Telegram's 4096 characters)
PROBLEMS_SHOWN = 10
CHANGES_SHOWN = 4  # per version in the history
# Telegram's limit is 4096 characters (UTF-16 units); the rest is for an emoji or two.
MAX_TEXT = 4000
ACTIONS_SHOWN = 20
NO_PILOT = N_("First choose a pilot with /pilots.")
VALUES_USAGE = N_(
    "Please send two numbers, the baseline and then the target, for example: /values 7.0 7.5"
)
START_AGAIN = N_("Please start again with /indicators.")


def _group(caller: Caller, group: str) -> str:
    """A stakeholder group's name in the caller's language (its code if the bot has none)."""
    return caller._(GROUP_LABELS[group]) if group in GROUP_LABELS else group


def _number(caller: Caller, value: float) -> str:
    return format_decimal(value, format="#,##0.####", locale=caller.language)


def _money(caller: Caller, value: float, currency: str = "EUR") -> str:
    return f"{format_decimal(round(value), format='#,##0', locale=caller.language)} {currency}"


def _problems(caller: Caller, problems: list[str]) -> str:
    """Why a map was refused, with the reassurance that nothing changed."""
    _ = caller._
    lines = [_("I did not store this map; the pilot's map stays as it was. The problems:")]
    lines += [f"• {problem[:300]}" for problem in problems[:PROBLEMS_SHOWN]]
    if len(problems) > PROBLEMS_SHOWN:
        lines.append(_("… and {count} more.").format(count=len(problems) - PROBLEMS_SHOWN))
    return short("\n".join(lines), MAX_TEXT)  # long labels could overflow one message


def _author(caller: Caller, version: MapVersion) -> str:
    _ = caller._
    if version.actor is None:
        return _("author erased")
    return _("you") if version.actor == caller.pseudonym else _("another coordinator")


def _change_text(
    caller: Caller, kind: str, subject: str, fields: tuple[str, ...], names: Names
) -> str:
    _ = caller._
    name = names.outcomes.get(subject, subject)
    if kind == "outcome added":
        return _("added “{outcome}”").format(outcome=name)
    if kind == "outcome removed":
        return _("removed “{outcome}”").format(outcome=name)
    if kind == "outcome changed":
        return _("“{outcome}”: {fields}").format(outcome=name, fields=", ".join(fields))
    if kind == "inputs":
        return _("the investment")
    return _("map settings: {fields}").format(fields=", ".join(fields))


def _history_line(context: BotContext, caller: Caller, version: MapVersion, names: Names) -> str:
    _ = caller._
    day = format_day(version.created_at, caller.language, context.services.settings.timezone)
    how = _("sent as a file") if version.source == "upload" else _("changed in chat")
    if version.number == 1:
        changed = _("the first version")
    else:
        listed = [_change_text(caller, *change, names) for change in version.changes]
        if len(listed) > CHANGES_SHOWN:
            more = _("… and {count} more.").format(count=len(listed) - CHANGES_SHOWN)
            listed = [*listed[:CHANGES_SHOWN], more]
        changed = "; ".join(listed)
    return _("Version {number}, {day}, {author}, {how}: {changes}").format(
        number=version.number,
        day=day,
        author=_author(caller, version),
        how=how,
        changes=changed or _("no change"),
    )


def summary(
    context: BotContext, caller: Caller, found: maps.CurrentMap, history: list[MapVersion]
) -> str:
    """One screen: the forecast ratio, the value by dimension, and the latest versions."""
    _ = caller._
    impact_map = found.impact_map
    names = names_for(impact_map, caller.language)
    result = evaluate(impact_map)
    currency = impact_map.currency
    lines = [
        _("Impact map “{name}”, version {number}").format(
            name=names.pilot, number=found.version.number
        ),
    ]
    if result.ratio is None:
        lines.append(_("Forecast SROI ratio: none yet, as the map has no investment."))
    else:
        lines.append(
            _(
                "Forecast SROI ratio {ratio} : 1 (present value {value}, investment {investment})"
            ).format(
                ratio=format_decimal(round(result.ratio, 2), format="0.00", locale=caller.language),
                value=_money(caller, result.present_value, currency),
                investment=_money(caller, result.investment, currency),
            )
        )
    lines.append(_("By dimension (present value):"))
    lines += [
        f"• {dimension_label(dimension, caller.language)}: "
        f"{_money(caller, result.by_dimension.get(dimension, 0.0), currency)}"
        for dimension in DIMENSIONS
    ]
    shown = [names.outcomes[o.id] for o in impact_map.outcomes[:OUTCOMES_SHOWN]]
    if len(impact_map.outcomes) > OUTCOMES_SHOWN:
        shown.append("…")
    lines.append(_("Outcomes: {outcomes}").format(outcomes="; ".join(shown)))
    lines.append("")
    lines += [_history_line(context, caller, version, names) for version in history]
    return short("\n".join(lines), MAX_TEXT)  # long labels could overflow one message


async def _summary(
    context: BotContext, caller: Caller, found: maps.CurrentMap, history: list[MapVersion]
) -> str:
    # The calculation and the names of a large map take a while: off the event loop.
    return await asyncio.to_thread(summary, context, caller, found, history)


async def _send_map(context: BotContext, caller: Caller, found: maps.CurrentMap) -> None:
    history = await context.services.impact_maps.history(caller.pilot.id, HISTORY_SHOWN)
    text = await _summary(context, caller, found, history)
    markup = None
    # An action made from an idea (step 3) changes the investment, but makes no version by
    # itself: the coordinator who reads the map makes that version, with one press.
    if await maps.budgets_behind(context.services, caller, found):
        text += "\n\n" + caller._(
            "The pilot's actions have changed since this version: their budgets are not in "
            "its investment yet."
        )
        count = caller._("Count the actions' budgets (a new version)")
        argument = f"{caller.pilot.id}:{found.version.number}"
        markup = keyboard([[button(caller, context, count, "mapbudgets", argument)]])
    await say(context, caller, text, markup)
    await send_file(
        context,
        caller,
        "document",
        found.version.yaml.encode(),
        filename=f"impact-map-{caller.pilot.slug}-v{found.version.number}.yaml",
        caption=caller._(
            "The impact map of “{pilot}”, version {number}: edit it and send it back."
        ).format(pilot=caller.pilot.name, number=found.version.number),
    )


async def map_command(update: Update, context: BotContext) -> None:
    """`/map`: the current impact map as a one-screen summary and as its YAML file."""
    caller = context.caller
    if caller.pilot is None:
        await say(context, caller, caller._(NO_PILOT))
        return
    found = await maps.current(context.services, caller.pilot.id)
    if found is None:
        await say(
            context,
            caller,
            caller._(
                "“{pilot}” has no impact map yet. Send it to me as a YAML file; "
                "the format is in docs/impact_map.md."
            ).format(pilot=caller.pilot.name),
        )
        return
    await _send_map(context, caller, found)


async def on_document(update: Update, context: BotContext) -> None:
    """A file sent in private: a coordinator's new impact map, validated before it is kept."""
    caller = context.caller
    _ = caller._
    if not allows(caller.level, MAP_LEVEL):
        await say(context, caller, _("Only the pilot's coordinators can change its impact map."))
        return
    if caller.pilot is None:
        await say(context, caller, _(NO_PILOT))
        return
    document = update.message.document
    filename = document.file_name or "impact-map.yaml"
    # Telegram gives the size with the document: a file too large is not downloaded.
    stored = maps.too_large(document.file_size or 0, filename)
    if stored is None:
        data = bytes(await (await document.get_file()).download_as_bytearray())
        text = maps.decode_upload(data, filename)
        stored = (
            text
            if isinstance(text, maps.Refused)
            else await maps.upload(context.services, caller, text, filename, update.update_id)
        )
    if isinstance(stored, maps.Refused):
        await say(context, caller, _problems(caller, stored.problems))
        return
    history = await context.services.impact_maps.history(caller.pilot.id, HISTORY_SHOWN)
    await say(
        context,
        caller,
        short(
            _("Stored: this is now the pilot's impact map.")
            + "\n\n"
            + await _summary(context, caller, stored, history),
            MAX_TEXT,
        ),
    )


async def table_command(update: Update, context: BotContext) -> None:
    """`/table`: members per stakeholder group, and an invite for each group the map misses."""
    caller = context.caller
    _ = caller._
    if caller.pilot is None:
        await say(context, caller, _(NO_PILOT))
        return
    found = await table(context.services, caller)
    lines = [
        _("Who is at the table in “{pilot}”, active members by group:").format(
            pilot=caller.pilot.name
        )
    ]
    for group in found.counts:
        shown = found.shown(group)
        count = str(shown) if shown is not None else _("fewer than {n}").format(n=MIN_GROUP)
        lines.append(f"• {_group(caller, group)}: {count}")
    rows = []
    if found.impact_map is None:
        lines.append(_("Send the impact map (a YAML file) to see which groups it counts on."))
    elif not stakeholder_groups(found.impact_map):
        lines.append(
            _(
                "The impact map does not say which groups its stakeholders belong to (the "
                "`groups` field of an outcome), so I cannot tell which are missing."
            )
        )
    elif not found.missing:
        lines.append(
            _(
                "Every group the impact map names for its stakeholders has at least {n} members."
            ).format(n=MIN_GROUP)
        )
    else:
        names = names_for(found.impact_map, caller.language)
        lines.append(
            _(
                "The impact map counts on these groups, but fewer than {n} of their people "
                "are here:"
            ).format(n=MIN_GROUP)
        )
        for group, stakeholders in found.missing.items():
            named = ", ".join(names.stakeholders.get(s, s) for s in stakeholders)
            lines.append(f"• {_group(caller, group)} ({named})")
        lines.append(
            _("Tap a group for an invite that records the group of everyone joining by it.")
        )
        rows = [
            [
                button(
                    caller,
                    context,
                    _("Invite: {group}").format(group=_group(caller, group)),
                    "tableinvite",
                    f"{caller.pilot.id}:{group}",
                )
            ]
            for group in found.missing
        ]
    await say(context, caller, "\n".join(lines), keyboard(rows) if rows else None)


def _for_callers_pilot(caller: Caller, press: Press) -> str | None:
    """The rest of a `pilot:rest` argument, if the button is for the caller's current pilot."""
    pilot_id, _sep, rest = press.argument.partition(":")
    if caller.pilot is None or caller.pilot.id != id_argument(pilot_id):
        return None
    return rest


async def on_table_invite(
    update: Update, context: BotContext, caller: Caller, press: Press
) -> bool:
    """An invite for one missing group: its QR card, the link and its limits as the caption."""
    group = _for_callers_pilot(caller, press)
    if group is None:
        return False
    made = await group_invite(context.services, caller, group, update.update_id)
    if made is None:
        return False
    _ = caller._
    label = _group(caller, group)
    link = f"https://t.me/{context.bot.username}?start={made.code}"
    expires = format_day(
        made.invite.expires_at, caller.language, context.services.settings.timezone
    )
    caption = _(
        "Invite to “{pilot}” for the group {group}: {link}\nUses: {uses}. Valid until {expires}."
    ).format(
        pilot=caller.pilot.name, group=label, link=link, uses=made.invite.max_uses, expires=expires
    )
    details = [
        _("Group: {group}").format(group=label),
        _("Valid until {expires}").format(expires=expires),
    ]
    card = invite_card(link, caller.pilot.name, details)
    filename = f"invite-{caller.pilot.slug}-{group}.png"
    await send_file(context, caller, "photo", card, filename=filename, caption=caption)
    return True


async def indicators_command(update: Update, context: BotContext) -> None:
    """`/indicators`: pick an action, an indicator and the outcome it measures."""
    caller = context.caller
    _ = caller._
    if caller.pilot is None:
        await say(context, caller, _(NO_PILOT))
        return
    if await maps.current(context.services, caller.pilot.id) is None:
        await say(context, caller, _("Send the impact map (a YAML file) first; /map tells how."))
        return
    actions = await context.services.actions.of_pilot(caller.pilot.id)
    if not actions:
        await say(
            context,
            caller,
            _("“{pilot}” has no actions yet: they come from the idea rounds.").format(
                pilot=caller.pilot.name
            ),
        )
        return
    rows = [
        [
            button(
                caller,
                context,
                f"{action.title} ({_money(caller, action.budget_eur)})",
                "indaction",
                f"{caller.pilot.id}:{action.id}",
            )
        ]
        for action in actions[:ACTIONS_SHOWN]
    ]
    await say(
        context, caller, _("Which action do you want to set an indicator for?"), keyboard(rows)
    )


async def on_action(update: Update, context: BotContext, caller: Caller, press: Press) -> bool:
    """An action chosen: the indicator library as buttons."""
    action_id = _for_callers_pilot(caller, press)
    if action_id is None:
        return False
    action = await maps.start_link(
        context.services, caller, id_argument(action_id), update.update_id
    )
    if isinstance(action, maps.Stale):
        return False
    names = maps.library()
    rows = [
        [
            button(caller, context, name, "indpick", f"{action.id}:{name}")
            for name in names[at : at + 2]
        ]
        for at in range(0, len(names), 2)
    ]
    text = caller._(
        "Which indicator measures “{action}”? First the check-in items, then the quantities "
        "computed from them."
    ).format(action=action.title)
    await say(context, caller, text, keyboard(rows), replacing=update.callback_query.message)
    return True


async def on_indicator(update: Update, context: BotContext, caller: Caller, press: Press) -> bool:
    """An indicator chosen: the map's outcomes, in the caller's language, as buttons."""
    action_id, _sep, indicator = press.argument.partition(":")
    if caller.pilot is None:
        return False
    found = await maps.pick_indicator(
        context.services, caller, id_argument(action_id), indicator, update.update_id
    )
    if isinstance(found, maps.Stale) or found is None:
        return False
    names = names_for(found.impact_map, caller.language)
    rows = [
        [
            button(
                caller,
                context,
                names.outcomes[outcome.id],
                "indoutcome",
                f"{found.version.number}:{index}",
            )
        ]
        for index, outcome in enumerate(found.impact_map.outcomes)
    ]
    text = caller._("Which outcome of the impact map does {indicator} measure?").format(
        indicator=indicator
    )
    await say(context, caller, text, keyboard(rows), replacing=update.callback_query.message)
    return True


async def on_outcome(update: Update, context: BotContext, caller: Caller, press: Press) -> bool:
    """An outcome chosen: ask for the baseline and the target, typed."""
    number, _sep, index = press.argument.partition(":")
    if caller.pilot is None:
        return False
    picked = await maps.pick_outcome(
        context.services, caller, id_argument(number), id_argument(index), update.update_id
    )
    if isinstance(picked, maps.Stale):
        return False
    edit, outcome_id = picked
    found = await maps.current(context.services, caller.pilot.id)
    name = names_for(found.impact_map, caller.language).outcomes[outcome_id]
    text = caller._(
        "Now send the baseline and the target of {indicator} for “{outcome}”, "
        "for example: /values 7.0 7.5"
    ).format(indicator=edit.indicator, outcome=name)
    await say(context, caller, text, replacing=update.callback_query.message)
    return True


def _proxy_offer(
    context: BotContext, caller: Caller, found: maps.CurrentMap, edit: MapEdit
) -> tuple[str, InlineKeyboardMarkup]:
    """The outcome's proxy now, the library's proxies for the indicator, and buttons to choose."""
    _ = caller._
    outcome = found.impact_map.outcome(edit.outcome_id)
    offered = proxies_for(edit.indicator)
    lines = [
        _("Its financial proxy now: {value} {unit} ({source}).").format(
            value=_number(caller, outcome.proxy.value),
            unit=outcome.proxy.unit,
            source=outcome.proxy.source,
        )
    ]
    if offered:
        lines.append(
            _("Proxies from the library for {indicator}:").format(indicator=edit.indicator)
        )
        lines += [
            f"{number}. {_number(caller, entry.proxy.value)} {entry.proxy.unit} — "
            f"{entry.proxy.source}"
            for number, entry in enumerate(offered, start=1)
        ]
    else:
        lines.append(
            _("The library has no proxy for {indicator}.").format(indicator=edit.indicator)
        )
    version = found.version.number
    rows = [
        [
            button(
                caller,
                context,
                _("Use {number}").format(number=number),
                "indproxy",
                f"{version}:{entry.key}",
            )
            for number, entry in enumerate(offered, start=1)
        ],
        [button(caller, context, _("Keep the current one"), "indproxy", f"{version}:keep")],
        [button(caller, context, _("Type my own value"), "indproxy", f"{version}:own")],
    ]
    return "\n".join(lines), keyboard(row for row in rows if row)


def _saved(caller: Caller, found: maps.CurrentMap) -> str:
    return caller._("Saved as version {number} of the impact map.").format(
        number=found.version.number
    )


async def values_command(update: Update, context: BotContext) -> None:
    """`/values BASELINE TARGET`: the linked indicator's baseline and target, then the proxy."""
    caller = context.caller
    _ = caller._
    if caller.pilot is None:
        await say(context, caller, _(NO_PILOT))
        return
    numbers = [maps.read_number(text) for text in context.args]
    if len(numbers) != 2 or None in numbers:
        await say(context, caller, _(VALUES_USAGE))
        return
    stored = await maps.set_values(context.services, caller, *numbers, update.update_id)
    if isinstance(stored, maps.Stale):
        await say(
            context, caller, _("No indicator is waiting for its values.") + " " + _(START_AGAIN)
        )
        return
    if isinstance(stored, maps.Refused):
        await say(context, caller, _problems(caller, stored.problems))
        return
    found, edit = stored
    text, markup = _proxy_offer(context, caller, found, edit)
    await say(context, caller, _saved(caller, found) + "\n\n" + text, markup)


async def on_proxy(update: Update, context: BotContext, caller: Caller, press: Press) -> bool:
    """A proxy from the library, the current one kept, or the caller's own to be typed."""
    number, _sep, choice = press.argument.partition(":")
    if caller.pilot is None:
        return False
    result = await maps.choose_proxy(
        context.services, caller, id_argument(number), choice, update.update_id
    )
    message = update.callback_query.message
    _ = caller._
    if isinstance(result, maps.Stale):
        return False
    if isinstance(result, maps.Refused):
        await say(context, caller, _problems(caller, result.problems))
    elif isinstance(result, maps.CurrentMap):
        await say(context, caller, _saved(caller, result), replacing=message)
    elif result is None:
        await say(context, caller, _("The proxy stays as it was."), replacing=message)
    else:
        await say(
            context,
            caller,
            _("Send the value per unit, in the proxy's unit, for example: /proxy 90"),
            replacing=message,
        )
    return True


async def proxy_command(update: Update, context: BotContext) -> None:
    """`/proxy VALUE`: the caller's own proxy value for the outcome being linked."""
    caller = context.caller
    _ = caller._
    if caller.pilot is None:
        await say(context, caller, _(NO_PILOT))
        return
    value = maps.read_number(context.args[0]) if len(context.args) == 1 else None
    if value is None:
        await say(context, caller, _("Please send one number, for example: /proxy 90"))
        return
    stored = await maps.type_proxy(context.services, caller, value, update.update_id)
    if isinstance(stored, maps.Stale):
        await say(context, caller, _("No proxy is waiting for a value.") + " " + _(START_AGAIN))
    elif isinstance(stored, maps.Refused):
        await say(context, caller, _problems(caller, stored.problems))
    else:
        await say(context, caller, _saved(caller, stored))


async def on_count_budgets(
    update: Update, context: BotContext, caller: Caller, press: Press
) -> bool:
    """The actions' budgets written into a new version of the map that /map showed."""
    number = _for_callers_pilot(caller, press)
    if number is None:
        return False
    stored = await maps.count_budgets(
        context.services, caller, id_argument(number), update.update_id
    )
    if isinstance(stored, maps.Stale):
        return False
    if isinstance(stored, maps.Refused):
        await say(context, caller, _problems(caller, stored.problems))
        return True
    await say(context, caller, _saved(caller, stored))
    return True


def handlers() -> list[BaseHandler]:
    """Files sent in a private chat (registered before the catch-alls)."""
    sent = filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & filters.Document.ALL
    return [MessageHandler(sent, on_document)]


COMMANDS = (
    Command("table", MAP_LEVEL, N_("Who is at the table: members per group"), table_command),
    Command("map", MAP_LEVEL, N_("The impact map: summary, file and versions"), map_command),
    Command(
        "indicators", MAP_LEVEL, N_("Link indicators to the pilot's actions"), indicators_command
    ),
    Command(
        "values", MAP_LEVEL, N_("Baseline and target of an indicator"), values_command, menu="never"
    ),
    Command("proxy", MAP_LEVEL, N_("Your own proxy value"), proxy_command, menu="never"),
)
BUTTONS = (
    Button("tableinvite", MAP_LEVEL, on_table_invite),
    Button("indaction", MAP_LEVEL, on_action),
    Button("indpick", MAP_LEVEL, on_indicator),
    Button("indoutcome", MAP_LEVEL, on_outcome),
    Button("indproxy", MAP_LEVEL, on_proxy),
    Button("mapbudgets", MAP_LEVEL, on_count_budgets),
)
