"""The pilot's impact map as use cases: versions from uploads and from chat edits.

Every version is validated by the SEROI+ core against the pilot's own group codes and
actions, and the actions' budgets are written in as the pilot's investment, whichever way
the version came. A refused map changes nothing.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from bot.chat.caller import Caller
from bot.services import Services
from bot.storage.models import Action, MapEdit, MapVersion
from conversations.scripts import shipped
from seroi.errors import ImpactMapError
from seroi.impact_map import ImpactMap, Proxy, parse_impact_map
from seroi.map_edits import (
    INDICATOR_LIBRARY,
    changes,
    link_indicator,
    set_proxy,
    to_yaml,
    with_action_budgets,
)
from seroi.proxies import library_proxy, proxies_for

MAX_MAP_BYTES = 256 * 1024
# Where the core reports problems of a map typed in chat rather than uploaded.
CHAT_SOURCE = "impact map"


@cache
def group_codes() -> tuple[str, ...]:
    """The stakeholder groups onboarding offers: the codes a map's `groups` may name."""
    question = shipped("onboarding").question("stakeholder_group")
    return tuple(choice.value for choice in question.choices)


@dataclass(frozen=True)
class CurrentMap:
    """The pilot's current version and the map it holds."""

    version: MapVersion
    impact_map: ImpactMap


@dataclass(frozen=True)
class Refused:
    """The map was not stored: the problems, each with its field path and line."""

    problems: list[str]


@dataclass(frozen=True)
class Stale:
    """The button or command belongs to an edit that is over, or to an older map."""


def read_map(version: MapVersion) -> ImpactMap:
    """The map a stored version holds (it was validated when stored)."""
    return parse_impact_map(version.yaml, f"version {version.number}")


async def current(services: Services, pilot_id: int) -> CurrentMap | None:
    """The pilot's current map, or None if it has none yet."""
    version = await services.impact_maps.current(pilot_id)
    if version is None:
        return None
    # Parsing a large map takes a good part of a second: off the event loop.
    return CurrentMap(version, await asyncio.to_thread(read_map, version))


@dataclass(frozen=True)
class _Built:
    """A validated next version: its text, its map with the actions' budgets, what changed."""

    text: str
    impact_map: ImpactMap
    changes: list[tuple[str, str, tuple[str, ...]]]


def _build(
    stored: MapVersion | None,
    actions: list[Action],
    make: Callable[[ImpactMap | None], str],
    source_name: str,
    stakeholder: str,
) -> _Built | Refused | Stale:
    """The next version made from the stored one by `make`, validated; or why not."""
    before = read_map(stored) if stored else None
    try:
        text = make(before)
    except KeyError:  # the outcome being edited is not in this version
        return Stale()
    try:
        parsed = parse_impact_map(
            text,
            source_name,
            known_groups=group_codes(),
            known_actions={action.id for action in actions},
        )
    except ImpactMapError as error:
        return Refused(error.problems)
    funded = with_action_budgets(parsed, _budgets(actions), stakeholder)
    # An upload keeps its own text (and comments) unless the budgets changed it.
    text = text if funded == parsed else to_yaml(funded)
    found = [(c.kind, c.subject, c.fields) for c in changes(before, funded)]
    return _Built(text, funded, found)


def _budgets(actions: list[Action]) -> list[tuple[int, str, float]]:
    return [(action.id, action.title, action.budget_eur) for action in actions]


class _Moved(Exception):
    """Another version, or a change to the actions, was stored while this one was built."""


async def _store(
    services: Services,
    caller: Caller,
    make: Callable[[ImpactMap | None], str],
    source: str,
    source_name: str,
    update_id: int,
    then: Callable[[], Awaitable[None]] | None = None,
) -> CurrentMap | Refused | Stale:
    """The next version, made from the current map by `make`; `then` writes beside it.

    The map is built and validated in a thread, outside the transaction (a large map takes
    a good part of a second), and stored only if nothing it was built from has changed
    meanwhile; else it is built again from what is there now.
    """
    pilot = caller.pilot
    while True:
        stored = await services.impact_maps.current(pilot.id)
        actions = await services.actions.of_pilot(pilot.id)
        built = await asyncio.to_thread(_build, stored, actions, make, source_name, pilot.name)
        if not isinstance(built, _Built):
            return built
        try:
            async with services.db.transaction(update_id):
                now = await services.impact_maps.current(pilot.id)
                if _number_of(now) != _number_of(stored) or (
                    await services.actions.of_pilot(pilot.id) != actions
                ):
                    raise _Moved
                version = await services.impact_maps.add(
                    pilot.id, built.text, caller.pseudonym, source, built.changes
                )
                await services.audit.add(
                    "impact map version",
                    actor=caller.pseudonym,
                    pilot_id=pilot.id,
                    detail=f"version={version.number} source={source}",
                )
                if then is not None:
                    await then()
        except _Moved:
            continue
        return CurrentMap(version, built.impact_map)


def _number_of(version: MapVersion | None) -> int:
    return 0 if version is None else version.number


def too_large(size: int, filename: str) -> Refused | None:
    """Why a file of `size` bytes cannot be a map, or None if its size is fine."""
    if size > MAX_MAP_BYTES:
        return Refused([f"{filename}: the file is over {MAX_MAP_BYTES // 1024} KB"])
    return None


def decode_upload(data: bytes, filename: str) -> str | Refused:
    """The text of an uploaded file, or why it cannot be a map (too large, not text)."""
    refused = too_large(len(data), filename)
    if refused is not None:
        return refused
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return Refused([f"{filename}: not a text file (YAML is text, in UTF-8)"])


async def upload(
    services: Services, caller: Caller, text: str, filename: str, update_id: int
) -> CurrentMap | Refused:
    """A map sent as a file becomes the pilot's next version, if the core accepts it."""
    stored = await _store(services, caller, lambda _before: text, "upload", filename, update_id)
    assert not isinstance(stored, Stale)  # an upload replaces the map whatever it held
    return stored


async def budgets_behind(services: Services, caller: Caller, found: CurrentMap) -> bool:
    """Whether actions made or changed since this version are missing from its investment."""
    actions = await services.actions.of_pilot(caller.pilot.id)
    funded = await asyncio.to_thread(
        with_action_budgets, found.impact_map, _budgets(actions), caller.pilot.name
    )
    return funded != found.impact_map


async def count_budgets(
    services: Services, caller: Caller, number: int, update_id: int
) -> CurrentMap | Refused | Stale:
    """A new version of the map shown (version `number`) with the actions' budgets in it."""
    shown = await services.impact_maps.current(caller.pilot.id)
    if shown is None or shown.number != number:
        return Stale()
    return await _store(services, caller, to_yaml, "chat", CHAT_SOURCE, update_id)


def library() -> tuple[str, ...]:
    """The indicators a coordinator can pick: check-in items, then derivations."""
    return INDICATOR_LIBRARY


async def start_link(
    services: Services, caller: Caller, action_id: int, update_id: int
) -> Action | Stale:
    """Begin linking an indicator to one of the pilot's actions."""
    action = await services.actions.get(caller.pilot.id, action_id)
    if action is None or await services.impact_maps.current(caller.pilot.id) is None:
        return Stale()
    async with services.db.transaction(update_id):
        await services.impact_maps.set_edit(
            caller.pilot.id, caller.pseudonym, action.id, "indicator"
        )
    return action


async def _edit_at(services: Services, caller: Caller, *steps: str) -> MapEdit | None:
    edit = await services.impact_maps.edit_of(caller.pilot.id, caller.pseudonym)
    return edit if edit is not None and edit.step in steps else None


async def pick_indicator(
    services: Services, caller: Caller, action_id: int, indicator: str, update_id: int
) -> CurrentMap | Stale:
    """The indicator chosen; next, the outcome it measures (from the current map)."""
    edit = await _edit_at(services, caller, "indicator", "outcome")
    if edit is None or edit.action_id != action_id or indicator not in INDICATOR_LIBRARY:
        return Stale()
    found = await current(services, caller.pilot.id)
    async with services.db.transaction(update_id):
        await services.impact_maps.set_edit(
            caller.pilot.id, caller.pseudonym, action_id, "outcome", indicator
        )
    return found


async def pick_outcome(
    services: Services, caller: Caller, number: int, index: int, update_id: int
) -> tuple[MapEdit, str] | Stale:
    """The outcome chosen on the map version the buttons were drawn from; next, the values."""
    edit = await _edit_at(services, caller, "outcome")
    found = await current(services, caller.pilot.id)
    if edit is None or found is None or found.version.number != number:
        return Stale()
    if not 0 <= index < len(found.impact_map.outcomes):
        return Stale()
    outcome_id = found.impact_map.outcomes[index].id
    async with services.db.transaction(update_id):
        await services.impact_maps.set_edit(
            caller.pilot.id, caller.pseudonym, edit.action_id, "values", edit.indicator, outcome_id
        )
    return edit, outcome_id


def read_number(text: str) -> float | None:
    """A number typed in chat, `7.5` or `7,5` (ASCII digits), or None."""
    cleaned = text.strip().replace(",", ".")
    if not cleaned.isascii() or not cleaned or len(cleaned) > 20:
        return None
    try:
        number = float(cleaned)
    except ValueError:
        return None
    return number if math.isfinite(number) else None  # "nan" and "inf" parse as floats


async def set_values(
    services: Services, caller: Caller, baseline: float, target: float, update_id: int
) -> tuple[CurrentMap, MapEdit] | Refused | Stale:
    """Baseline and target set: a new version linking indicator, outcome and action."""
    edit = await _edit_at(services, caller, "values")
    if edit is None:
        return Stale()

    def make(before: ImpactMap | None) -> str:
        return link_indicator(
            before, edit.outcome_id, edit.indicator, baseline, target, edit.action_id
        )

    async def then() -> None:
        await services.impact_maps.set_edit(
            caller.pilot.id,
            caller.pseudonym,
            edit.action_id,
            "proxy",
            edit.indicator,
            edit.outcome_id,
        )

    stored = await _store(services, caller, make, "chat", CHAT_SOURCE, update_id, then)
    if isinstance(stored, Stale):
        await _abandon(services, caller, update_id)
    return (stored, edit) if isinstance(stored, CurrentMap) else stored


async def _abandon(services: Services, caller: Caller, update_id: int) -> None:
    """End an edit whose outcome another version has removed."""
    async with services.db.transaction(update_id):
        await services.impact_maps.end_edit(caller.pilot.id, caller.pseudonym)


async def choose_proxy(
    services: Services, caller: Caller, number: int, choice: str, update_id: int
) -> CurrentMap | MapEdit | Refused | Stale | None:
    """A library proxy (a new version), `keep` (None: done), or `own` (the edit, to type one)."""
    edit = await _edit_at(services, caller, "proxy")
    found = await current(services, caller.pilot.id)
    if edit is None or found is None or found.version.number != number:
        return Stale()
    if choice == "own":
        async with services.db.transaction(update_id):
            await services.impact_maps.set_edit(
                caller.pilot.id,
                caller.pseudonym,
                edit.action_id,
                "proxy_value",
                edit.indicator,
                edit.outcome_id,
            )
        return edit
    if choice == "keep":
        async with services.db.transaction(update_id):
            await services.impact_maps.end_edit(caller.pilot.id, caller.pseudonym)
        return None
    entry = library_proxy(choice)
    if entry is None or entry not in proxies_for(edit.indicator):
        return Stale()
    return await _finish_with_proxy(services, caller, edit, entry.proxy, update_id)


async def type_proxy(
    services: Services, caller: Caller, value: float, update_id: int
) -> CurrentMap | Refused | Stale:
    """The coordinator's own proxy value (in the outcome's unit): a new version."""
    edit = await _edit_at(services, caller, "proxy_value")
    found = await current(services, caller.pilot.id)
    if edit is None or found is None:
        return Stale()
    outcome = next((o for o in found.impact_map.outcomes if o.id == edit.outcome_id), None)
    if outcome is None:
        return Stale()
    today = datetime.now(UTC).date().isoformat()
    proxy = Proxy(
        value=value,
        unit=outcome.proxy.unit,
        source=f"set by a coordinator in chat ({today})",
        price_year=int(today[:4]),
    )
    return await _finish_with_proxy(services, caller, edit, proxy, update_id)


async def _finish_with_proxy(
    services: Services, caller: Caller, edit: MapEdit, proxy: Proxy, update_id: int
) -> CurrentMap | Refused | Stale:
    async def then() -> None:
        await services.impact_maps.end_edit(caller.pilot.id, caller.pseudonym)

    stored = await _store(
        services,
        caller,
        lambda before: set_proxy(before, edit.outcome_id, proxy),
        "chat",
        CHAT_SOURCE,
        update_id,
        then,
    )
    if isinstance(stored, Stale):
        await _abandon(services, caller, update_id)
    return stored
