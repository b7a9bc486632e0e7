"""The demo's SEROI+ steps 2 and 4: who is at the table, the impact map, indicators in chat.

The coordinator looks at /table, sends the example impact map, gets an invite for a group
the map counts on but which has too few members, links an indicator to the action the idea
round made (step 3, played before this phase), takes a proxy from the library and reads
/map.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Protocol

from bot.demo.participants import Participant
from bot.services import Services

EXAMPLE_MAP = Path(__file__).parents[2] / "examples" / "laitila_remote_work.yaml"


class Steps(Protocol):
    """The tour's step runner (bot/demo/tour.py): a failed step is recorded, and play goes on."""

    async def step(self, name: str, action: Callable[[], Awaitable[str]]) -> None: ...


def _expect(condition: bool, problem: str) -> None:
    if not condition:
        raise AssertionError(problem)


async def play_map_steps(
    tour: Steps, coordinator: Participant, member: Participant, services: Services
) -> None:
    """Steps 2 and 4, played by the pilot's coordinator (and one member who may not)."""

    async def table_before_the_map() -> str:
        [reply] = await coordinator.command("table")
        return reply["text"].splitlines()[1]

    async def map_sent() -> str:
        [reply] = await coordinator.send_document(EXAMPLE_MAP.read_bytes(), EXAMPLE_MAP.name)
        _expect("SROI" in reply["text"], "no summary")
        return reply["text"].splitlines()[0]

    async def broken_map() -> str:
        broken = EXAMPLE_MAP.read_text().replace("duration: 3", "duration: 0", 1)
        [reply] = await coordinator.send_document(broken.encode(), "laitila-broken.yaml")
        _expect("outcomes[0].duration" in reply["text"], "the problem was not named")
        return reply["text"].splitlines()[1]

    async def member_may_not() -> str:
        [reply] = await member.send_document(EXAMPLE_MAP.read_bytes(), EXAMPLE_MAP.name)
        return reply["text"]

    async def table_with_the_map() -> str:
        [reply] = await coordinator.command("table")
        _expect("reply_markup" in reply, "no invite for a missing group")
        [card] = await coordinator.press("tableinvite", "entrepreneur")
        _expect("photo" in card, "no QR code")
        return card["caption"].splitlines()[0]

    async def indicator_linked() -> str:
        pilot = await services.pilots.named("Laitila")
        actions = await services.actions.of_pilot(pilot.id)
        _expect(bool(actions), "the idea round made no action")
        action = actions[0]
        await coordinator.command("indicators")
        await coordinator.press("indaction", str(action.id))
        await coordinator.press("indpick", "avoided_car_co2_tonnes")
        await coordinator.press("indoutcome", "1")
        [wrong] = await coordinator.command("values", "noin 11")
        [offer] = await coordinator.command("values", "0 11,3")
        [saved] = await coordinator.press("indproxy", "eu_ets_2023")
        linked = f"“{action.title}” ({action.budget_eur:g} EUR)"
        return f"{linked}: {wrong['text']!r}, then {offer['text'].splitlines()[0]} {saved['text']}"

    async def map_shown() -> str:
        [summary, document] = await coordinator.command("map", replies=2)
        _expect(document["document"]["file_name"].endswith(".yaml"), "no map file")
        return summary["text"].splitlines()[1]

    await tour.step("coordinator sees who is at the table (/table)", table_before_the_map)
    await tour.step("coordinator sends the Laitila impact map", map_sent)
    await tour.step("a broken map is refused, the map kept", broken_map)
    await tour.step("a member may not change the map", member_may_not)
    await tour.step("/table offers an invite for a missing group", table_with_the_map)
    await tour.step("coordinator links an indicator and a proxy to an action", indicator_linked)
    await tour.step("/map: the forecast, the file and the versions", map_shown)
