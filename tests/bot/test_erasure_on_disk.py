"""After /delete has been answered, the database files hold no trace of the person (#8.8)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from bot.i18n import translator
from sandbox.errors import WaitTimeout

from .conftest import Pilot


def _traces(person_id: int, pseudonym: str, first_name: str, username: str) -> list[bytes]:
    """What would identify the person in the raw bytes of a SQLite file."""
    found = [pseudonym.encode(), str(person_id).encode(), first_name.encode(), username.encode()]
    # SQLite stores an integer big-endian in 1, 2, 3, 4, 6 or 8 bytes, whichever fits.
    found += [
        person_id.to_bytes(width, "big") for width in (4, 6, 8) if person_id < 1 << (8 * width - 1)
    ]
    return found


def _files_holding(db_path: Path, traces: list[bytes]) -> list[str]:
    holding = []
    for path in sorted(db_path.parent.glob(db_path.name + "*")):
        data = path.read_bytes()
        holding += [f"{path.name}: {trace!r}" for trace in traces if trace in data]
    return holding


async def test_no_trace_of_an_erased_member_is_left_in_the_database_files(pilot: Pilot) -> None:
    person = pilot.person("Ilmatar")
    person.user.username = "ilmatar_kalevala"
    await person.join(await pilot.invite("member"), "fi", {"checkins", "wellbeing"}, "resident")
    await person.command("language")
    await person.press("setlang", "sv")
    await person.command("mydata", replies=2)
    pseudonym = pilot.services.pseudonym(person.user.id)
    traces = _traces(person.user.id, pseudonym, person.name, "ilmatar_kalevala")
    assert _files_holding(pilot.settings.db_path, traces), "the scan finds a member before"

    await person.command("delete")
    [done] = await person.press("erase")
    assert done["text"] == translator("sv")(
        "Your data has been erased. What remains are results that were already "
        "published as aggregates of at least five people, which do not identify you."
    )
    await pilot.settled()

    # The bot keeps running: the files are read as they are, beside the open connections.
    with contextlib.suppress(WaitTimeout):
        await pilot.sandbox.wait_for_async(
            lambda: not _files_holding(pilot.settings.db_path, traces), 10
        )
    assert _files_holding(pilot.settings.db_path, traces) == []
