"""`seroi-bot demo`: a scripted pilot played by simulated people against the offline sandbox.

The real bot runs unmodified over HTTP on loopback. The script is the README's tour:
an admin creates "Laitila", a coordinator joins, a dozen residents join in four languages
and give or refuse consents, one asks for their data and one erases it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import shutil
import sqlite3
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from bot.demo import steps as steps_phase
from bot.demo.checkins import START, play_checkins
from bot.demo.impact_map import play_map_steps
from bot.demo.participants import CHECKIN_TIMES, Participant, invite_code, running_bot
from bot.demo.summaries import play_summaries
from bot.demo.workshop import play_workshop
from bot.scheduling import ManualClock
from bot.services import services_of
from bot.settings import Settings
from sandbox.core import Sandbox
from sandbox.server import SandboxServer

# The sandbox accepts any well-formed token; this one is not a secret.
DEMO_TOKEN = "7000000001:offline-sandbox-demo-token-not-a-secret"


@dataclass(frozen=True)
class Resident:
    name: str
    telegram_language: str
    language: str
    consents: frozenset[str]
    group: str


RESIDENTS = (
    Resident("Aino", "fi", "fi", frozenset({"checkins", "wellbeing"}), "resident"),
    Resident("Mikko", "fi", "fi", frozenset({"checkins"}), "entrepreneur"),
    Resident("Elina", "sv", "sv", frozenset({"checkins", "workshops"}), "resident"),
    Resident("Johan", "sv", "sv", frozenset(), "association"),
    Resident("Siobhan", "en", "en", frozenset({"checkins", "wellbeing", "workshops"}), "resident"),
    Resident("Giulia", "it", "it", frozenset({"workshops"}), "association"),
    Resident("Marco", "it", "it", frozenset({"checkins"}), "entrepreneur"),
    Resident("Pekka", "fi", "fi", frozenset({"checkins", "wellbeing"}), "public_body"),
    Resident("Liisa", "fi", "en", frozenset({"checkins", "workshops"}), "resident"),
    Resident("Ville", "fi", "fi", frozenset({"checkins"}), "other"),
    Resident("Sara", "sv", "fi", frozenset({"wellbeing"}), "resident"),
    Resident("Matteo", "it", "it", frozenset({"checkins", "wellbeing"}), "entrepreneur"),
)


@dataclass
class Tour:
    """The steps played so far and whether each did what it should."""

    steps: list[tuple[str, bool, str]] = field(default_factory=list)

    async def step(self, name: str, action: Callable[[], Awaitable[str]]) -> None:
        """Play one step; a failure is recorded, printed and the tour goes on."""
        try:
            detail = await action()
            self.steps.append((name, True, detail))
            print(f"  ✔ {name}{': ' + detail if detail else ''}")
        except Exception as error:
            self.steps.append((name, False, f"{type(error).__name__}: {error}"))
            print(f"  ✘ {name}: {type(error).__name__}: {error}")

    @property
    def failed(self) -> list[str]:
        """The names of the steps that did not happen."""
        return [name for name, ok, _detail in self.steps if not ok]


def _expect(condition: bool, problem: str) -> None:
    if not condition:
        raise AssertionError(problem)


async def play(
    sandbox: Sandbox,
    cast: list[Participant],
    tour: Tour,
    storage_outage: Callable[[], object] | None = None,
) -> None:
    """The scripted pilot; `cast` starts with the admin and gets everyone who takes part.

    `storage_outage`, if given, starts an outage of the bot's database halfway through the
    residents' joining (the residents carry on as if nothing happened).
    """

    def enlist(name: str, language_code: str) -> Participant:
        cast.append(Participant.create(sandbox, name, language_code, bot_db=admin.bot_db))
        return cast[-1]

    admin = cast[0]
    people = {r.name: enlist(r.name, r.telegram_language) for r in RESIDENTS}
    coordinator = enlist("Kaisa", "fi")
    codes: dict[str, str] = {}

    async def create_pilot() -> str:
        [reply] = await admin.command("newpilot", "Laitila")
        _expect("Laitila" in reply["text"], "no confirmation")
        return "the admin created the pilot"

    async def invite_coordinator() -> str:
        [reply] = await admin.command("invite", "coordinator")
        codes["coordinator"] = invite_code(reply)
        _expect("photo" in reply, "no QR code")
        return "deep link and QR code sent"

    async def coordinator_joins() -> str:
        [welcome] = await coordinator.join(
            codes["coordinator"], "fi", {"checkins", "workshops"}, "public_body"
        )
        return welcome["text"].splitlines()[0]

    async def coordinator_invites_members() -> str:
        [reply] = await coordinator.command("invite", "member 30 14")
        codes["member"] = invite_code(reply)
        return "link for 30 members, valid 14 days"

    await tour.step("admin creates the Laitila pilot", create_pilot)
    await tour.step("admin invites a coordinator", invite_coordinator)
    await tour.step("coordinator Kaisa joins (Finnish)", coordinator_joins)
    await tour.step("coordinator invites residents", coordinator_invites_members)

    for number, resident in enumerate(RESIDENTS):
        person = people[resident.name]
        if storage_outage is not None and number == len(RESIDENTS) // 2:
            storage_outage()

        async def joins(
            person: Participant = person, resident: Resident = resident, number: int = number
        ) -> str:
            day, window = CHECKIN_TIMES[number % len(CHECKIN_TIMES)]
            [welcome] = await person.join(
                codes["member"],
                resident.language,
                set(resident.consents),
                resident.group,
                day=day,
                window=window,
            )
            chosen = ", ".join(sorted(resident.consents)) or "no check-ins"
            if resident.consents & {"checkins", "wellbeing"}:
                chosen += f"; check-ins {day} {window}"
            return f"{welcome['text'].splitlines()[0]} ({chosen})"

        await tour.step(f"{resident.name} joins in {resident.language}", joins)

    async def typing_instead_of_pressing() -> str:
        late = enlist("Olli", "fi")
        await late.command("start", codes["member"])
        hint, prompt = await late.say("moi, mitä nyt?", replies=2)
        _expect("reply_markup" in prompt, "the buttons were not shown again")
        return f"hint: {hint['text']!r}, then the buttons again"

    async def bad_invite() -> str:
        stranger = enlist("Tuomas", "fi")
        [reply] = await stranger.command("start", "not-a-real-code")
        return reply["text"]

    async def member_cannot_invite() -> str:
        [reply] = await people["Mikko"].command("invite", "coordinator")
        _expect("photo" not in reply, "a member got an invite")
        return reply["text"]

    async def data_export() -> str:
        [summary, reply] = await people["Aino"].command("mydata", replies=2)
        _expect(reply["document"]["file_name"] == "my-data.json", "no data file")
        lines = len(summary["text"].splitlines())
        return f"a summary of {lines} lines and {reply['document']['file_size']} bytes of JSON"

    async def erasure() -> str:
        johan = people["Johan"]
        await johan.command("delete")
        [reply] = await johan.press("erase")
        return reply["text"]

    await tour.step("a resident types instead of pressing a button", typing_instead_of_pressing)
    await tour.step("an invalid invite link is explained", bad_invite)
    await tour.step("a member may not create invites", member_cannot_invite)
    await tour.step("Aino downloads her data (/mydata)", data_export)
    await tour.step("Johan erases his data (/delete)", erasure)
    await steps_phase.play(tour, coordinator, people, enlist)
    residents = [person for name, person in people.items() if name != "Johan"][:10]
    team = {person.name: person for person in cast}
    await play_workshop(sandbox, tour.step, coordinator, residents, team["Fredrik"], team["Pertti"])


def save_chats(sandbox: Sandbox, folder: Path, cast: list[Participant]) -> None:
    """Each person's whole chat with the bot, in full, one file per person."""
    folder.mkdir()
    for person in cast:
        lines = []
        for message in sandbox.messages_in(person.user.id):
            who = "bot" if message["from"]["id"] == sandbox.bot_id else person.name
            body = message.get("text") or message.get("caption") or ""
            attachment = (
                "photo" if "photo" in message else message.get("document", {}).get("file_name")
            )
            lines.append(f"[{who}]{f' ({attachment})' if attachment else ''}\n{body}\n")
        (folder / f"{person.name}.txt").write_text("\n".join(lines), encoding="utf-8")


def check_no_repeats(sandbox: Sandbox, cast: list[Participant]) -> list[str]:
    """A retried call must not show twice: no chat may hold the same bot message twice in a row."""
    problems = []
    for person in cast:
        texts = [m.get("text") or m.get("caption") for m in sandbox.bot_messages(person.user.id)]
        problems += [
            f"{person.name} got the same message twice: {first[:60]!r}"
            for first, second in pairwise(texts)
            if first == second and first is not None  # an album's photos have no caption
        ]
    return problems


def check_database(path: Path, checkins: bool) -> list[str]:
    """What the database must hold after the tour: each join, consent and erasure once."""
    connection = sqlite3.connect(path)
    count = lambda sql: connection.execute(sql).fetchone()[0]  # noqa: E731
    expected = {
        "active members": (
            count("SELECT COUNT(*) FROM members WHERE status = 'active'"),
            1 + len(RESIDENTS) - 1 + steps_phase.TEAM,  # coordinator, residents less Johan
        ),
        "consent decisions": (
            count("SELECT COUNT(*) FROM consents"),
            # and, after the check-ins, Matteo's again, withdrawing the wellbeing consent
            3 * (len(RESIDENTS) + steps_phase.TEAM) + (3 if checkins else 0),
        ),
        "member invite uses": (
            count("SELECT uses FROM invites WHERE role = 'member'"),
            len(RESIDENTS) + 1,  # and Olli, who started but typed instead of pressing
        ),
    }
    connection.close()
    return [
        f"{name}: {found}, expected {wanted}"
        for name, (found, wanted) in expected.items()
        if found != wanted
    ]


def report_from_checkins(observations: Path, folder: Path, tour: Tour) -> None:
    """The SEROI+ report of the Laitila map with the observations the check-ins collected."""
    from bot.cli import main

    report = ["report", "examples/laitila_remote_work.yaml", "--observations", str(observations)]
    status = main([*report, "--lang", "fi", "--out", str(folder)])
    tour.steps.append(("SEROI+ report from the collected check-ins", status == 0, str(folder)))
    print(f"  {'✔' if status == 0 else '✘'} SEROI+ report from the collected check-ins: {folder}")


def lock_database(path: Path, seconds: float) -> threading.Thread:
    """Hold the database's write lock from another connection for `seconds` (in a thread)."""

    def hold() -> None:
        connection = sqlite3.connect(path, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        print(f"  ⚠ the database is locked by another process for {seconds:g} s")
        time.sleep(seconds)
        connection.execute("ROLLBACK")
        connection.close()
        print("  ⚠ the database is free again")

    holder = threading.Thread(target=hold, name="database-outage")
    holder.start()
    return holder


async def tour_against_sandbox(out: Path, fault_rate: float, lock_seconds: float) -> int:
    """Start the sandbox and the bot, play the tour, save the outputs; 0 when all happened."""
    sandbox = Sandbox(token=DEMO_TOKEN, bot_username="seroi_demo_bot")
    if fault_rate:
        sandbox.faults.timeout_delay = 1.5
        sandbox.faults.rule(probability=fault_rate, kinds=("429", "5xx", "timeout"), seed=7)
    admin = Participant.create(sandbox, "Anna", "en", bot_db=out / "demo.db")
    cast = [admin]
    settings = Settings(
        _env_file=None,
        telegram_token=DEMO_TOKEN,
        db_path=admin.bot_db,
        admin_ids=frozenset({admin.user.id}),
        pseudonym_key=secrets.token_urlsafe(32),
        default_language="fi",
        telegram_timeout=1.0 if fault_rate else 10.0,
    )
    transcript = (out / "transcript.txt").open("w", encoding="utf-8")
    sandbox.on_transcript(lambda line: (transcript.write(line + "\n"), print("    " + line)))
    tour = Tour()
    started = time.monotonic()
    with SandboxServer(sandbox) as server:
        settings.telegram_api_url = server.base_url
        settings.telegram_file_url = server.base_file_url
        outages: list[threading.Thread] = []

        def storage_outage() -> None:
            outages.append(lock_database(settings.db_path, lock_seconds))

        clock = ManualClock(START)
        async with running_bot(settings, clock=clock) as application:
            await play(sandbox, cast, tour, storage_outage if lock_seconds else None)
            for holder in outages:
                holder.join()
            by_name = {person.name: person for person in cast}
            # Pertti, not Kaisa: she has just run the workshop at a script's speed, past the
            # flood budget per person (which a person at a keyboard does not reach).
            await play_map_steps(
                tour, by_name["Pertti"], by_name["Mikko"], services_of(application)
            )
            observations = None
            # The plain demo only: --faults and --lock-db replay the joining under stress.
            if not fault_rate and not lock_seconds:
                languages = {r.name: r.language for r in RESIDENTS}
                observations = await play_checkins(application, clock, cast, languages, tour, out)
                await play_summaries(tour, by_name["Kaisa"], "fi")
    if observations is not None:
        report_from_checkins(observations, out / "reports" / "checkins", tour)
    transcript.close()
    saved = sandbox.save_media(out / "media")
    save_chats(sandbox, out / "chats", cast)
    problems = check_database(settings.db_path, observations is not None)
    problems += check_no_repeats(sandbox, cast)
    problems += [
        f"unimplemented Bot API call {call.method}" for call in sandbox.unimplemented_calls
    ]
    (out / "steps.json").write_text(
        json.dumps([{"step": n, "ok": ok, "detail": d} for n, ok, d in tour.steps], indent=2),
        encoding="utf-8",
    )
    elapsed = time.monotonic() - started
    print(f"\n{len(tour.steps) - len(tour.failed)}/{len(tour.steps)} steps done in {elapsed:.1f} s")
    print(f"transcript: {out / 'transcript.txt'}; {len(saved)} images and files in {out / 'media'}")
    for problem in problems:
        print(f"  ✘ {problem}")
    return 1 if tour.failed or problems else 0


def run_demo(out: Path, *, fault_rate: float = 0.0, lock_seconds: float = 0.0) -> int:
    """The `demo` command."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    # The bot's own log goes to a file; the screen shows the conversation.
    log_file = logging.FileHandler(out / "bot.log", encoding="utf-8")
    log_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(log_file)
    logging.getLogger().setLevel(logging.INFO)
    for handler in logging.getLogger().handlers:
        if handler is not log_file:
            handler.setLevel(logging.WARNING)
    print(f"SEROI+ bot demo: the real bot against an offline Telegram (output in {out}/)\n")
    status = asyncio.run(tour_against_sandbox(out, fault_rate, lock_seconds))
    sys.stdout.flush()
    return status
