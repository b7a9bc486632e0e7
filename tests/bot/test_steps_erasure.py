"""/delete of a coordinator who took part in every step (issue 13, "Done when"): their
authorship of map versions and decisions is removed, the pilot keeps the maps, the
decisions and the approved goals, and no trace of them is left in the database files."""

from __future__ import annotations

import contextlib
import json

from sandbox.errors import WaitTimeout

from .conftest import Pilot
from .test_erasure_on_disk import _files_holding, _traces
from .test_goals import LAST_DAY, pilot_number
from .test_impact_map import EXAMPLE, coordinator
from .test_table_and_indicators import add_action, link_car_co2


async def test_delete_removes_a_coordinators_authorship_and_leaves_no_trace(pilot: Pilot):
    kaisa = await coordinator(pilot)
    kaisa.user.username = "kaisa_koordinaattori"
    pekka = await coordinator(pilot, "Pekka")
    aino = pilot.person("Aino")
    await aino.join(await pilot.invite("member"), "fi", set(), "resident")

    # Step 1: Kaisa moderates Aino's goal, and proposes one that Pekka approves.
    await kaisa.command("goalround", f"{LAST_DAY} Millainen Laitila on?")
    await aino.command("goal", "Kylätori eläväksi")
    await aino.press("send")
    await kaisa.command("approve", pilot_number(aino))
    await kaisa.command("goal", "Pyörätie koululle")
    await kaisa.press("send")
    own_goal = pilot_number(kaisa)
    await pekka.command("approve", own_goal)
    await pilot.settled()  # the news to Kaisa, before her next commands
    # Step 4: Kaisa uploads the map, links an indicator in chat, and starts another link.
    await kaisa.send_document(EXAMPLE.read_bytes(), "laitila.yaml")
    action = await add_action(pilot, "Etätyökeskuksen avaaminen", 12000)
    await link_car_co2(kaisa, action, "0 11,3")
    await kaisa.command("indicators")
    await kaisa.press("indaction", str(action))

    [_summary, document] = await kaisa.command("mydata", replies=2)
    exported = json.loads(pilot.sandbox.file(document["document"]["file_id"]).data)
    assert [(v["number"], v["source"]) for v in exported["impact_map_versions"]] == [
        (1, "upload"),
        (2, "chat"),
    ]
    assert {e["action"] for e in exported["audit_log"]} >= {
        "proposal approved",  # Aino's goal, decided by Kaisa; Kaisa's own, decided by Pekka
        "impact map version",
    }
    assert len(exported["map_edits"]) == 1
    pseudonym = pilot.services.pseudonym(kaisa.user.id)
    traces = _traces(kaisa.user.id, pseudonym, kaisa.name, "kaisa_koordinaattori")
    assert _files_holding(pilot.settings.db_path, traces), "the scan finds her before"

    await kaisa.command("delete")
    await kaisa.press("erase")
    await pilot.settled()

    # The pilot keeps what it was given, without her.
    assert pilot.rows("SELECT number, source, actor FROM impact_map_versions") == [
        (1, "upload", None),
        (2, "chat", None),
    ]
    assert pilot.rows("SELECT text, pseudonym, status FROM proposals ORDER BY id") == [
        ("Kylätori eläväksi", pilot.services.pseudonym(aino.user.id), "approved"),
        ("Pyörätie koululle", None, "approved"),
    ]
    assert pilot.rows(
        "SELECT action, actor, subject FROM audit_log WHERE action = 'proposal approved' "
        "ORDER BY id"
    ) == [
        ("proposal approved", "erased", pilot.services.pseudonym(aino.user.id)),
        ("proposal approved", pilot.services.pseudonym(pekka.user.id), "erased"),
    ]
    assert pilot.rows("SELECT COUNT(*) FROM map_edits") == [(0,)]
    [summary, _file] = await pekka.command("map", replies=2)
    assert "Laitila" in summary["text"]
    # And the files hold nothing of hers (the WAL is emptied after the reply is sent).
    with contextlib.suppress(WaitTimeout):
        await pilot.sandbox.wait_for_async(
            lambda: not _files_holding(pilot.settings.db_path, traces), 10
        )
    assert _files_holding(pilot.settings.db_path, traces) == []
