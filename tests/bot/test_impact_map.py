"""SEROI+ step 4 over the sandbox: the impact map sent as a file, /map, versions, bad files."""

from __future__ import annotations

import json
from pathlib import Path

from bot.demo.participants import Participant, running_bot
from bot.i18n import translator
from sandbox.core import Sandbox
from sandbox.testing import running_server
from seroi.impact_map import load_impact_map, parse_impact_map

from .conftest import TOKEN, Pilot, make_settings

EXAMPLE = Path(__file__).parents[2] / "examples" / "laitila_remote_work.yaml"
fi = translator("fi")


async def coordinator(pilot: Pilot, name: str = "Kaisa", language: str = "fi") -> Participant:
    """A coordinator of Laitila who has finished onboarding."""
    person = pilot.person(name, language)
    await person.join(await pilot.invite("coordinator"), language, set(), "public_body")
    return person


def versions(pilot: Pilot) -> list[tuple]:
    return pilot.rows("SELECT number, source FROM impact_map_versions ORDER BY number")


async def test_a_coordinator_sends_the_map_and_map_gives_it_back_in_finnish(pilot: Pilot):
    kaisa = await coordinator(pilot)
    [stored] = await kaisa.send_document(EXAMPLE.read_bytes(), "laitila.yaml")
    text = stored["text"]
    assert text.startswith(fi("Stored: this is now the pilot's impact map."))
    assert "Laitilan etätyökeskus" in text  # the map's name in Finnish
    assert "Etätyöntekijöiden hyvinvointi" in text  # an outcome's Finnish label
    assert "Sosiaalinen" in text or "Sosiaal" in text  # the dimension, in Finnish
    assert versions(pilot) == [(1, "upload")]
    summary, document = await kaisa.command("map", replies=2)
    assert (
        fi("Impact map “{name}”, version {number}").format(name="Laitilan etätyökeskus", number=1)
        in summary["text"]
    )
    sent = pilot.sandbox.file(document["document"]["file_id"]).data.decode()
    assert parse_impact_map(sent) == load_impact_map(EXAMPLE)
    assert sent == EXAMPLE.read_text()  # kept as written, comments and all


async def test_an_english_coordinator_reads_the_english_names(pilot: Pilot):
    john = await coordinator(pilot, "John", "en")
    [stored] = await john.send_document(EXAMPLE.read_bytes(), "laitila.yaml")
    assert "Teleworkers' wellbeing" in stored["text"]
    assert "Forecast SROI ratio" in stored["text"]


async def test_a_file_that_is_not_yaml_changes_nothing(pilot: Pilot):
    kaisa = await coordinator(pilot)
    await kaisa.send_document(EXAMPLE.read_bytes(), "laitila.yaml")
    [reply] = await kaisa.send_document(b"\x89PNG\r\n\x1a\n\x00\xff\xfe", "photo.png")
    assert reply["text"].startswith(
        fi("I did not store this map; the pilot's map stays as it was. The problems:")
    )
    assert "photo.png: not a text file" in reply["text"]
    [reply] = await kaisa.send_document(b"name: [unclosed\noutcomes: 1\n", "broken.yaml")
    assert "broken.yaml: line 2" in reply["text"]
    assert versions(pilot) == [(1, "upload")]


async def test_a_file_over_256_kb_is_refused_unread(pilot: Pilot):
    kaisa = await coordinator(pilot)
    big = EXAMPLE.read_bytes() + b"#" * (256 * 1024)
    [reply] = await kaisa.send_document(big, "big.yaml")
    assert "big.yaml: the file is over 256 KB" in reply["text"]
    assert versions(pilot) == []
    assert not pilot.sandbox.calls("getFile")


async def test_an_invalid_map_lists_every_problem_with_its_path_and_line(pilot: Pilot):
    kaisa = await coordinator(pilot)
    await kaisa.send_document(EXAMPLE.read_bytes(), "laitila.yaml")
    broken = (
        EXAMPLE.read_text()
        .replace("deadweight: 0.20 ", "deadweight: 20 ", 1)
        .replace("groups: [resident]", "groups: [residents]\n    actions: [99]", 1)
    )
    [reply] = await kaisa.send_document(broken.encode(), "laitila.yaml")
    text = reply["text"]
    assert "laitila.yaml: outcomes[0].deadweight: must be between 0 and 1" in text
    assert "laitila.yaml: outcomes[0].groups[0]: unknown group 'residents'" in text
    assert "laitila.yaml: outcomes[0].actions[0]: the pilot has no action 99" in text
    assert "(line " in text
    assert versions(pilot) == [(1, "upload")]
    [summary, _file] = await kaisa.command("map", replies=2)
    assert (
        fi("Impact map “{name}”, version {number}").format(name="Laitilan etätyökeskus", number=1)
        in summary["text"]
    )


async def test_a_member_or_facilitator_cannot_change_or_read_the_map(pilot: Pilot):
    await coordinator(pilot)
    member = pilot.person("Matti")
    await member.join(await pilot.invite("member"), "fi", set(), "resident")
    facilitator = pilot.person("Fanni")
    await facilitator.join(await pilot.invite("facilitator"), "fi", set(), "association")
    for person in (member, facilitator):
        [reply] = await person.send_document(EXAMPLE.read_bytes(), "laitila.yaml")
        assert reply["text"] == fi("Only the pilot's coordinators can change its impact map.")
        [reply] = await person.command("map")
        assert reply["text"] == fi("Sorry, that command is not available to you.")
    assert versions(pilot) == []
    assert not pilot.sandbox.calls("getFile")


async def test_a_second_upload_records_who_and_what_changed(pilot: Pilot):
    kaisa = await coordinator(pilot)
    await kaisa.send_document(EXAMPLE.read_bytes(), "laitila.yaml")
    changed = EXAMPLE.read_text().replace("quantity: 20000", "quantity: 25000")
    [reply] = await kaisa.send_document(changed.encode(), "laitila.yaml")
    assert "Ostokset keskuksen kahvilassa ja kyläkaupassa”: quantity" in reply["text"]
    assert versions(pilot) == [(1, "upload"), (2, "upload")]
    pseudonym = pilot.services.pseudonym(kaisa.user.id)
    assert pilot.rows("SELECT DISTINCT actor FROM impact_map_versions") == [(pseudonym,)]


async def test_the_version_history_survives_a_restart(tmp_path: Path):
    sandbox = Sandbox(token=TOKEN, bot_username="seroi_test_bot")
    admin = Participant.create(sandbox, "Anna", "en", bot_db=tmp_path / "seroi.db")
    with running_server(sandbox) as server:
        settings = make_settings(
            tmp_path / "seroi.db", admin.user.id, server.base_url, server.base_file_url
        )
        async with running_bot(settings) as application:
            pilot = Pilot(sandbox, application, settings, admin)
            kaisa = await coordinator(pilot)
            await kaisa.send_document(EXAMPLE.read_bytes(), "laitila.yaml")
            changed = EXAMPLE.read_text().replace("quantity: 20000", "quantity: 25000")
            await kaisa.send_document(changed.encode(), "laitila.yaml")
            await pilot.settled()
        async with running_bot(settings):
            summary, document = await kaisa.command("map", replies=2)
    assert (
        fi("Impact map “{name}”, version {number}").format(name="Laitilan etätyökeskus", number=2)
        in summary["text"]
    )
    assert "Version 1" in summary["text"] or "Versio 1" in summary["text"]
    assert "quantity: 25000" in sandbox.file(document["document"]["file_id"]).data.decode()


async def test_mydata_shows_authorship_and_delete_keeps_the_versions_as_the_pilots(pilot: Pilot):
    kaisa = await coordinator(pilot)
    await kaisa.send_document(EXAMPLE.read_bytes(), "laitila.yaml")
    [_summary, export] = await kaisa.command("mydata", replies=2)
    exported = json.loads(pilot.sandbox.file(export["document"]["file_id"]).data)
    [authored] = exported["impact_map_versions"]
    assert (authored["number"], authored["source"]) == (1, "upload")
    await kaisa.command("delete")
    await kaisa.press("erase")
    await pilot.settled()
    assert pilot.rows("SELECT number, actor FROM impact_map_versions") == [(1, None)]
    other = await coordinator(pilot, "Liisa")
    [summary, _file] = await other.command("map", replies=2)
    assert fi("author erased") in summary["text"]


async def test_two_coordinators_sending_maps_at_once_make_two_versions(pilot: Pilot):
    kaisa = await coordinator(pilot)
    liisa = await coordinator(pilot, "Liisa")
    changed = EXAMPLE.read_text().replace("quantity: 20000", "quantity: 25000")
    before = len(kaisa.messages), len(liisa.messages)
    pilot.sandbox.send_document(kaisa.user, EXAMPLE.read_bytes(), filename="a.yaml")
    pilot.sandbox.send_document(liisa.user, changed.encode(), filename="b.yaml")
    await pilot.sandbox.wait_for_async(
        lambda: len(kaisa.messages) > before[0] and len(liisa.messages) > before[1],
        20,
    )
    await pilot.settled()
    assert versions(pilot) == [(1, "upload"), (2, "upload")]
    [(second,)] = pilot.rows("SELECT changes FROM impact_map_versions WHERE number = 2")
    # The second is compared with the first, whichever came first.
    assert json.loads(second) == [["outcome changed", "hub_cafe_spend", ["quantity"]]]
