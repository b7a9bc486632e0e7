"""/mydata and /delete cover every table that holds a pseudonym, including tables added later.

The tables are found in the schema itself, so a new table with a `pseudonym` column (or
an audit-style `actor`/`subject` column) that the rights commands forget fails here.
"""

from __future__ import annotations

import json

from .conftest import Pilot

PSEUDONYM_COLUMNS = ("pseudonym", "actor", "subject")


def tables_with_pseudonyms(pilot: Pilot) -> dict[str, list[str]]:
    """Each table of the bot's schema and its columns that hold pseudonyms."""
    found: dict[str, list[str]] = {}
    for (table,) in pilot.rows("SELECT name FROM sqlite_master WHERE type = 'table'"):
        columns = [row[1] for row in pilot.rows(f"PRAGMA table_info({table})")]
        holding = [column for column in columns if column in PSEUDONYM_COLUMNS]
        if holding:
            found[table] = holding
    return found


async def _member_everywhere(pilot: Pilot):
    """A member of two pilots who is also a coordinator: a row in every table we have."""
    person = pilot.person("Johan", language_code="sv")
    await person.join(await pilot.invite("coordinator", "Laitila"), "sv", {"checkins"}, "resident")
    await person.join(await pilot.invite("member", "Rauma"), "sv", set(), "other")
    await person.command("invite", "member")  # an audit entry with them as actor
    return person


async def test_mydata_exports_every_table_that_holds_the_persons_pseudonym(pilot: Pilot) -> None:
    person = await _member_everywhere(pilot)
    pseudonym = pilot.services.pseudonym(person.user.id)
    [_summary, reply] = await person.command("mydata", replies=2)
    exported = json.loads(pilot.sandbox.file(reply["document"]["file_id"]).data)
    for table, columns in tables_with_pseudonyms(pilot).items():
        where = " OR ".join(f"{column} = ?" for column in columns)
        [(stored,)] = pilot.rows(
            f"SELECT COUNT(*) FROM {table} WHERE {where}", (pseudonym,) * len(columns)
        )
        assert len(exported.get(table, [])) == stored, f"/mydata misses rows of {table}"


async def test_delete_leaves_no_trace_of_the_person_in_any_table(pilot: Pilot) -> None:
    person = await _member_everywhere(pilot)
    pseudonym = pilot.services.pseudonym(person.user.id)
    await person.command("delete")
    await person.press("erase")
    await pilot.settled()
    for (table,) in pilot.rows("SELECT name FROM sqlite_master WHERE type = 'table'"):
        for row in pilot.rows(f"SELECT * FROM {table}"):
            assert pseudonym not in row, f"{table} still holds the pseudonym"
            assert person.user.id not in row, f"{table} still holds the Telegram id"
