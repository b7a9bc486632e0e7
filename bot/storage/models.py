"""What the repositories return."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

Role = Literal["coordinator", "facilitator", "member"]
ROLES: tuple[Role, ...] = ("coordinator", "facilitator", "member")
MemberStatus = Literal["onboarding", "active", "withdrawn"]

CONSENT_PURPOSES: tuple[str, ...] = ("checkins", "wellbeing", "workshops")
STAKEHOLDER_GROUPS: tuple[str, ...] = (
    "resident",
    "entrepreneur",
    "association",
    "public_body",
    "other",
)


ReplyKind = Literal["send", "edit", "keyboard", "photo", "document", "poll", "stop_poll", "album"]
# In an "album" reply's params: the byte length of each photo, whose bytes follow one
# another in `file`, with "filenames" and "captions" (sendMediaGroup, 2 to 10 photos).
ALBUM_SIZES = "sizes"
# In a "poll" reply's params: our id of the poll, reported back with Telegram's once sent.
POLL_ROW = "seroi_poll_row"
# In a reply's params: the Telegram id its buttons are for. Their callback data is stored
# unsigned (`callbacks.unsigned`) and signed by the outbox as it sends the reply, so a job
# that writes to thousands of members does not hold the write lock while signing.
SIGNED_FOR = "seroi_signed_for"


class Reply(BaseModel):
    """One message the bot has to send, or a message of its own to change."""

    chat_id: int
    kind: ReplyKind
    # The Bot API parameters besides chat_id: text, message_id, reply_markup, caption, filename.
    params: dict[str, Any]
    file: bytes | None = None
    # Who records the message id once Telegram has the message ("checkin:12"), if anyone.
    on_sent: str | None = None


class StoredReply(BaseModel):
    id: int
    reply: Reply


class Pilot(BaseModel):
    id: int
    slug: str
    name: str
    controller: str
    controller_contact: str | None = None
    notice_version: str


class Person(BaseModel):
    pseudonym: str
    language: str | None
    current_pilot_id: int | None
    processing_stopped: bool


class Member(BaseModel):
    pilot_id: int
    pseudonym: str
    status: MemberStatus
    stakeholder_group: str | None
    # Where the member is in the onboarding script (conversations.engine.serialise);
    # None when at no question, or still at its start.
    onboarding_state: str | None = None
    distance_band: str | None = None
    checkin_day: str | None = None
    checkin_window: str | None = None


class Invite(BaseModel):
    id: int
    pilot_id: int
    role: Role
    expires_at: str
    max_uses: int
    uses: int
    revoked_at: str | None = None
    # Set for an invite made for a missing stakeholder group (/table): recorded at joining.
    stakeholder_group: str | None = None

    @property
    def used_up(self) -> bool:
        """Whether every allowed use is taken."""
        return self.uses >= self.max_uses


class Standing(BaseModel):
    """A person, their roles and their membership in their current pilot."""

    person: Person
    roles: frozenset[Role]
    member: Member | None
    # Whether the membership stands on no privacy notice older than the one shown now.
    notice_up_to_date: bool = False


class Action(BaseModel):
    """An action of a pilot (SEROI+ step 3); its budget is invested in the impact map."""

    id: int
    pilot_id: int
    title: str
    budget_eur: float
    status: Literal["planned", "started", "done"]


class MapVersion(BaseModel):
    """One version of a pilot's impact map: the YAML, who made it (a pseudonym) and what changed."""

    pilot_id: int
    number: int
    yaml: str
    actor: str | None
    source: Literal["upload", "chat"]
    # [kind, outcome id, fields] per change (seroi.map_edits.Change).
    changes: list[tuple[str, str, tuple[str, ...]]]
    created_at: str


MapEditStep = Literal["indicator", "outcome", "values", "proxy", "proxy_value"]


class MapEdit(BaseModel):
    """Where a coordinator is in linking an indicator to an action in chat."""

    pilot_id: int
    pseudonym: str
    action_id: int
    indicator: str | None
    outcome_id: str | None
    step: MapEditStep
