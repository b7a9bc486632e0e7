"""SEROI+ steps 2 and 4 over the sandbox: /table with group invites, /indicators in chat."""

from __future__ import annotations

from pathlib import Path

from bot.chat import callbacks
from bot.demo.participants import Participant, invite_code
from bot.i18n import translator
from seroi.impact_map import parse_impact_map

from .conftest import Pilot
from .test_impact_map import coordinator, versions

EXAMPLE = Path(__file__).parents[2] / "examples" / "laitila_remote_work.yaml"
fi = translator("fi")
# The example map names teleworkers as residents; here local businesses are associations too.
GROUPED = EXAMPLE.read_text().replace(
    "groups: [entrepreneur]", "groups: [entrepreneur, association]", 1
)


async def residents(pilot: Pilot, count: int) -> None:
    code = await pilot.invite("member", extra="50")
    for number in range(count):
        await pilot.person(f"Asukas{number}").join(code, "fi", set(), "resident")


async def test_table_counts_groups_and_hides_small_ones(pilot: Pilot):
    kaisa = await coordinator(pilot)
    await residents(pilot, 5)
    [reply] = await kaisa.command("table")
    text = reply["text"]
    assert f"• {fi('Resident')}: 5" in text
    assert f"• {fi('Municipality or public body')}: " + fi("fewer than {n}").format(n=5) in text
    assert fi("Send the impact map (a YAML file) to see which groups it counts on.") in text
    assert "reply_markup" not in reply


async def test_table_says_when_the_map_names_no_groups(pilot: Pilot):
    kaisa = await coordinator(pilot)
    plain = (
        EXAMPLE.read_text().replace("groups: [resident]", "").replace("groups: [entrepreneur]", "")
    )
    await kaisa.send_document(plain.encode(), "laitila.yaml")
    [reply] = await kaisa.command("table")
    assert (
        fi(
            "The impact map does not say which groups its stakeholders belong to (the "
            "`groups` field of an outcome), so I cannot tell which are missing."
        )
        in reply["text"]
    )
    assert "reply_markup" not in reply


async def test_table_offers_an_invite_for_each_group_the_map_lacks(pilot: Pilot):
    kaisa = await coordinator(pilot)
    await residents(pilot, 5)
    await kaisa.send_document(GROUPED.encode(), "laitila.yaml")
    [reply] = await kaisa.command("table")
    text = reply["text"]
    # Residents are five: at the table. Entrepreneurs and associations are missing.
    assert f"• {fi('Entrepreneur or business')} (paikalliset yritykset)" in text
    assert f"• {fi('Association or club')} (paikalliset yritykset)" in text
    assert f"• {fi('Resident')} (" not in text
    buttons = [b["text"] for row in reply["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == [
        fi("Invite: {group}").format(group=fi("Entrepreneur or business")),
        fi("Invite: {group}").format(group=fi("Association or club")),
    ]
    [card] = await kaisa.press("tableinvite", "entrepreneur")
    assert "photo" in card
    assert fi("Entrepreneur or business") in card["caption"]
    code = invite_code(card)
    yrittaja = pilot.person("Yrittäjä")
    await yrittaja.command("start", code)
    pseudonym = pilot.services.pseudonym(yrittaja.user.id)
    assert pilot.rows(
        "SELECT stakeholder_group, status FROM members WHERE pseudonym = ?", (pseudonym,)
    ) == [("entrepreneur", "onboarding")]
    assert pilot.rows(
        "SELECT role, stakeholder_group FROM invites WHERE uses = 1 AND "
        "stakeholder_group IS NOT NULL"
    ) == [("member", "entrepreneur")]


async def test_a_member_cannot_see_the_table_or_press_its_invite(pilot: Pilot):
    kaisa = await coordinator(pilot)
    await kaisa.send_document(GROUPED.encode(), "laitila.yaml")
    [table] = await kaisa.command("table")
    member = pilot.person("Matti")
    await member.join(await pilot.invite("member"), "fi", set(), "resident")
    [reply] = await member.command("table")
    assert reply["text"] == fi("Sorry, that command is not available to you.")
    # The coordinator's button, pressed by the member: signed for someone else.
    data = table["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    [shown] = await member.command("help")
    query = pilot.sandbox.press_raw(member.user, shown["message_id"], data)
    await pilot.settled()
    answer = pilot.sandbox.callback_answer(query["id"])
    assert answer["text"] == fi("This button is not valid.")
    assert pilot.rows("SELECT COUNT(*) FROM invites WHERE stakeholder_group IS NOT NULL") == [(0,)]


async def add_action(pilot: Pilot, title: str, budget: float) -> int:
    """An action of Laitila, as the idea rounds of step 3 would make it."""
    async with pilot.services.db.transaction():
        action = await pilot.services.actions.add(1, title, budget)
    return action.id


async def link_car_co2(coordinator: Participant, action: int, values: str) -> dict:
    """Link avoided car CO2 to the map's second outcome for an action; the /values reply."""
    await coordinator.command("indicators")
    await coordinator.press("indaction", str(action))
    await coordinator.press("indpick", "avoided_car_co2_tonnes")
    await coordinator.press("indoutcome", "1")
    [reply] = await coordinator.command("values", values)
    return reply


async def test_a_coordinator_links_an_indicator_and_accepts_a_library_proxy(pilot: Pilot):
    kaisa = await coordinator(pilot)
    await kaisa.send_document(EXAMPLE.read_bytes(), "laitila.yaml")
    action = await add_action(pilot, "Etätyökeskuksen avaaminen", 12000)
    [menu] = await kaisa.command("indicators")
    assert "Etätyökeskuksen avaaminen (12" in menu["reply_markup"]["inline_keyboard"][0][0]["text"]
    await kaisa.press("indaction", str(action))
    [picker] = await kaisa.press("indpick", "avoided_car_co2_tonnes")
    outcomes = [b["text"] for row in picker["reply_markup"]["inline_keyboard"] for b in row]
    assert outcomes[1] == "Etäpäivinä vältetyt autoilun CO2-päästöt"  # Finnish labels
    await kaisa.press("indoutcome", "1")
    [reply] = await kaisa.command("values", "seitsemän 8")
    assert reply["text"] == fi(
        "Please send two numbers, the baseline and then the target, for example: /values 7.0 7.5"
    )
    [offer] = await kaisa.command("values", "0 11,3")
    assert fi("Saved as version {number} of the impact map.").format(number=2) in offer["text"]
    assert "EU ETS" in offer["text"]
    linked = parse_impact_map(
        pilot.rows("SELECT yaml FROM impact_map_versions WHERE number = 2")[0][0]
    )
    row = linked.outcome("car_co2_avoided")
    assert (row.baseline, row.target, row.actions) == (0, 11.3, [action])
    # The action's budget is the pilot's investment now.
    assert [(i.action, i.amount, i.stakeholder) for i in linked.inputs if i.action] == [
        (action, 12000, "Laitila")
    ]
    [done] = await kaisa.press("indproxy", "eu_ets_2022")
    assert done["text"] == fi("Saved as version {number} of the impact map.").format(number=3)
    final = parse_impact_map(
        pilot.rows("SELECT yaml FROM impact_map_versions WHERE number = 3")[0][0]
    )
    assert final.outcome("car_co2_avoided").proxy.value == 81.16
    assert versions(pilot) == [(1, "upload"), (2, "chat"), (3, "chat")]
    [summary, _file] = await kaisa.command("map", replies=2)
    assert "proxy" in summary["text"]
    assert "actions, baseline, target" in summary["text"]


async def test_an_own_proxy_value_outside_the_declared_range_changes_nothing(pilot: Pilot):
    kaisa = await coordinator(pilot)
    await kaisa.send_document(EXAMPLE.read_bytes(), "laitila.yaml")
    action = await add_action(pilot, "Hub", 0)
    await link_car_co2(kaisa, action, "0 11")
    [ask] = await kaisa.press("indproxy", "own")
    assert "/proxy 90" in ask["text"]
    [reply] = await kaisa.command("proxy", "paljon")
    assert reply["text"] == fi("Please send one number, for example: /proxy 90")
    [reply] = await kaisa.command("proxy", "900")
    assert "outcomes[1].ranges.proxy: the value used, 900, is outside [32, 285]" in reply["text"]
    assert versions(pilot) == [(1, "upload"), (2, "chat")]
    [reply] = await kaisa.command("proxy", "120")
    assert reply["text"] == fi("Saved as version {number} of the impact map.").format(number=3)
    [reply] = await kaisa.command("proxy", "130")
    assert reply["text"].startswith(fi("No proxy is waiting for a value."))


async def test_stale_and_forged_indicator_buttons_are_refused(pilot: Pilot):
    kaisa = await coordinator(pilot)
    await kaisa.send_document(EXAMPLE.read_bytes(), "laitila.yaml")
    action = await add_action(pilot, "Hub", 0)
    await kaisa.command("indicators")
    await kaisa.press("indaction", str(action))
    [picker] = await kaisa.press("indpick", "home_days")
    # Meanwhile a new version: the outcome buttons were drawn from version 1.
    await kaisa.send_document(
        EXAMPLE.read_text().replace("quantity: 1840", "quantity: 1900").encode(), "laitila.yaml"
    )
    button = picker["reply_markup"]["inline_keyboard"][0][0]
    query = pilot.sandbox.press_button(kaisa.user, picker, button["callback_data"])
    await pilot.settled()
    assert pilot.sandbox.callback_answer(query["id"])["text"] == fi(
        "This button is no longer active."
    )
    key = pilot.services.button_key
    forged = callbacks.encode(key, kaisa.user.id, "indaction", "1:99999")
    query = pilot.sandbox.press_raw(kaisa.user, picker["message_id"], forged)
    await pilot.settled()
    assert pilot.sandbox.callback_answer(query["id"])["text"] == fi(
        "This button is no longer active."
    )
    tampered = button["callback_data"][:-1] + ("A" if button["callback_data"][-1] != "A" else "B")
    query = pilot.sandbox.press_raw(kaisa.user, picker["message_id"], tampered)
    await pilot.settled()
    assert pilot.sandbox.callback_answer(query["id"])["text"] == fi("This button is not valid.")
    assert versions(pilot) == [(1, "upload"), (2, "upload")]


async def test_values_without_an_edit_and_a_member_trying(pilot: Pilot):
    kaisa = await coordinator(pilot)
    [reply] = await kaisa.command("indicators")
    assert reply["text"] == fi("Send the impact map (a YAML file) first; /map tells how.")
    await kaisa.send_document(EXAMPLE.read_bytes(), "laitila.yaml")
    [reply] = await kaisa.command("indicators")
    assert reply["text"] == fi(
        "“{pilot}” has no actions yet: they come from the idea rounds."
    ).format(pilot="Laitila")
    [reply] = await kaisa.command("values", "1 2")
    assert reply["text"].startswith(fi("No indicator is waiting for its values."))
    member = pilot.person("Matti")
    await member.join(await pilot.invite("member"), "fi", set(), "resident")
    for command in ("indicators", "values", "proxy"):
        [reply] = await member.command(command, "1 2")
        assert reply["text"] == fi("Sorry, that command is not available to you.")
