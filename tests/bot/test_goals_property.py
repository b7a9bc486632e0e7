"""For any sequence of proposals, decisions, dots and supports (issue 13, "Done when"):
nobody holds more than N dots, a merged or rejected item holds no votes, every status
change gives its proposer exactly one new message, and every decision is in the audit log.
The use cases run against a real database in a temporary folder, as the bot runs them."""

from __future__ import annotations

import asyncio
import re
import tempfile
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.features.steps import rounds as use
from bot.features.steps.cards import News
from bot.outbox import Outbox
from bot.priorities import move_dot
from bot.services import Services
from bot.storage.db import Database

from .conftest import make_settings

DAY = "2026-12-02"
LAST_DAY = "2099-12-31"
PEOPLE = 4
DOTS = 2
COORDINATOR = "coordinator-pseudonym"

person = st.integers(0, PEOPLE - 1)
item = st.integers(0, 30)
step = st.one_of(
    st.tuples(st.just("propose"), person, st.sampled_from(["goal", "idea"])),
    st.tuples(st.just("paper"), st.sampled_from(["goal", "idea"])),
    st.tuples(st.just("decide"), item, st.sampled_from(["approve", "reject", "merge"]), item),
    st.tuples(st.just("shortlist"), item),
    st.tuples(st.just("action"), item),
    st.tuples(st.just("move"), item, st.sampled_from(["started", "done"])),
    st.tuples(st.just("prioritise")),
    st.tuples(st.just("idearound")),
    st.tuples(st.just("dot"), person, item, st.booleans()),
    st.tuples(st.just("support"), person, item),
)


async def _play(folder: Path, steps: list[tuple]) -> None:
    config = make_settings(folder / "seroi.db", 1, "http://127.0.0.1:9/bot", "http://127.0.0.1:9/f")
    db = await Database.open(config.db_path)
    services = Services(settings=config, db=db)
    try:
        async with db.transaction():
            pilot = await services.pilots.create("Laitila", "Leader")
            for number in range(PEOPLE):
                await services.people.ensure(f"p{number}", 1000 + number, "fi")
        await use.open_round(
            services, pilot.id, "goal", "Goals?", LAST_DAY, None, DOTS, [], DAY, None
        )
        made: list[int] = []
        # The news is stored as the bot stores it, in the decision's transaction; nothing
        # is sent here (no bot), so the outbox table holds every message and edit.
        news = News(services, Outbox(db, bot=None, button_key=services.button_key))
        tell = news.store

        def pick(index: int) -> int:
            return made[index % len(made)] if made else 10_000

        for action, *args in steps:
            if action == "propose":
                who, kind = args
                done = await use.propose(services, pilot.id, kind, f"p{who}", "text", DAY, None)
                if not isinstance(done, use.Refused):
                    await use.submit(services, f"p{who}", done[1].id, 1, None)
                    made.append(done[1].id)
            elif action == "paper":
                done = await use.propose(services, pilot.id, args[0], None, "text", DAY, None)
                if not isinstance(done, use.Refused):
                    made.append(done[1].id)
            elif action == "decide":
                decision, into = args[1], pick(args[2]) if args[1] == "merge" else None
                reason = "because" if decision == "reject" else None
                await use.decide(
                    services,
                    pilot.id,
                    pick(args[0]),
                    decision,
                    None,
                    actor=COORDINATOR,
                    tell=tell,
                    reason=reason,
                    into=into,
                )
            elif action == "shortlist":
                await use.decide(
                    services,
                    pilot.id,
                    pick(args[0]),
                    "shortlist",
                    None,
                    actor=COORDINATOR,
                    tell=tell,
                )
            elif action == "action":
                await use.make_action(
                    services, pilot.id, COORDINATOR, tell, pick(args[0]), 100.0, None
                )
            elif action == "move":
                action_id = args[0] % 3 + 1
                await use.action_moves(
                    services, pilot.id, COORDINATOR, tell, action_id, args[1], None
                )
            elif action == "prioritise":
                await use.set_phase(services, pilot.id, "goal", "prioritising", None)
            elif action == "idearound":
                goals = await db.fetch_all("SELECT id FROM proposals WHERE status = 'approved'")
                if goals:
                    await use.open_round(
                        services,
                        pilot.id,
                        "idea",
                        "Ideas?",
                        LAST_DAY,
                        None,
                        3,
                        [goals[0][0]],
                        DAY,
                        None,
                    )
            elif action == "dot":
                who, index, add = args
                await move_dot(services, pilot.id, pick(index), f"p{who}", None, add, DAY, None)
            elif action == "support":
                who, index = args
                await use.toggle_support(services, pilot.id, pick(index), f"p{who}", DAY, None)

        for _who, count in await db.fetch_all(
            "SELECT pseudonym, COUNT(*) FROM dots GROUP BY round_id, pseudonym"
        ):
            assert count <= DOTS
        [(votes,)] = await db.fetch_all(
            "SELECT (SELECT COUNT(*) FROM dots d JOIN proposals p ON p.id = d.proposal_id "
            "WHERE p.status IN ('merged', 'rejected')) + (SELECT COUNT(*) FROM supports s "
            "JOIN proposals p ON p.id = s.proposal_id WHERE p.status IN ('merged', 'rejected'))"
        )
        assert votes == 0
        changes = await db.fetch_all(
            "SELECT h.proposal_id, COUNT(*) FROM proposal_history h JOIN proposals p "
            "ON p.id = h.proposal_id WHERE h.status != 'pending' AND p.pseudonym IS NOT NULL "
            "GROUP BY h.proposal_id"
        )
        told: Counter[int] = Counter()
        for chat_id, text in await db.fetch_all(
            "SELECT chat_id, json_extract(payload, '$.text') FROM outbox WHERE kind = 'send'"
        ):
            number = int(re.search(r"#(\d+)", text).group(1))
            [(author,)] = await db.fetch_all(
                "SELECT pseudonym FROM proposals WHERE id = ?", (number,)
            )
            assert chat_id == 1000 + int(author[1:])  # to its proposer, in their chat
            told[number] += 1
        assert {row[0]: row[1] for row in changes} == dict(told)
        # With each message, the status card edited in place (one edit per change).
        [(edits,)] = await db.fetch_all("SELECT COUNT(*) FROM outbox WHERE kind = 'edit'")
        assert edits == sum(told.values())
        # Every status change, paper entries' included, is in the audit log once, by whom.
        [(decided,)] = await db.fetch_all(
            "SELECT COUNT(*) FROM proposal_history WHERE status != 'pending'"
        )
        [(audited,)] = await db.fetch_all(
            "SELECT COUNT(*) FROM audit_log WHERE actor = ? AND "
            "(action LIKE 'proposal %' OR action LIKE 'action %')",
            (COORDINATOR,),
        )
        assert audited == decided
    finally:
        await db.close()


# Every status there is, in one sequence: random ones seldom reach an action's end.
EVERY_STATUS = [
    ("propose", 0, "goal"),
    ("decide", 0, "approve", 0),
    ("propose", 1, "goal"),
    ("decide", 1, "reject", 0),
    ("propose", 2, "goal"),
    ("decide", 2, "merge", 0),
    ("prioritise",),
    ("dot", 3, 0, True),
    ("idearound",),
    ("propose", 3, "idea"),
    ("decide", 3, "approve", 0),
    ("support", 0, 3),
    ("shortlist", 3),
    ("action", 3),
    ("move", 0, "started"),
    ("move", 0, "done"),
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step, max_size=40))
@example(EVERY_STATUS)
def test_dots_votes_and_messages_hold_for_any_sequence(steps: list[tuple]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(_play(Path(folder), steps))


async def test_a_round_past_its_last_day_takes_no_proposal_dot_or_support(tmp_path: Path) -> None:
    config = make_settings(
        tmp_path / "seroi.db", 1, "http://127.0.0.1:9/bot", "http://127.0.0.1:9/f"
    )
    db = await Database.open(config.db_path)
    services = Services(settings=config, db=db)
    try:
        async with db.transaction():
            pilot = await services.pilots.create("Laitila", "Leader")
        await use.open_round(services, pilot.id, "goal", "Goals?", DAY, None, DOTS, [], DAY, None)
        made = await use.propose(services, pilot.id, "goal", "p0", "A square", DAY, None)
        await use.submit(services, "p0", made[1].id, 1, None)
        news = News(services, Outbox(db, bot=None, button_key=services.button_key))
        await use.decide(
            services, pilot.id, made[1].id, "approve", None, actor=COORDINATOR, tell=news.store
        )
        await use.set_phase(services, pilot.id, "goal", "prioritising", None)
        after = "2026-12-03"
        late = await use.propose(services, pilot.id, "goal", "p1", "Too late", after, None)
        assert late == use.Refused("closed")
        dot = await move_dot(services, pilot.id, made[1].id, "p0", None, True, after, None)
        assert dot == use.Refused("closed")
        assert await db.fetch_all("SELECT * FROM dots") == []
        # A new round may open once the old one is past its last day.
        again = await use.open_round(
            services, pilot.id, "goal", "Next?", LAST_DAY, None, 3, [], after, None
        )
        assert not isinstance(again, use.Refused)
    finally:
        await db.close()
