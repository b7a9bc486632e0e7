"""What the repositories return."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

Role = Literal["coordinator", "facilitator", "member"]
ROLES: tuple[Role, ...] = ("coordinator", "facilitator", "member")
MemberStatus = Literal["onboarding", "active", "withdrawn"]
OnboardingStep = Literal["language", "notice", "consent", "group", "done"]

CONSENT_PURPOSES: tuple[str, ...] = ("checkins", "wellbeing", "workshops")
STAKEHOLDER_GROUPS: tuple[str, ...] = (
    "resident",
    "entrepreneur",
    "association",
    "public_body",
    "other",
)


ReplyKind = Literal["send", "edit", "keyboard", "photo", "document", "poll", "stop_poll"]
# In a "poll" reply's params: our id of the poll, reported back with Telegram's once sent.
POLL_ROW = "seroi_poll_row"


class Reply(BaseModel):
    """One message the bot has to send, or a message of its own to change."""

    chat_id: int
    kind: ReplyKind
    # The Bot API parameters besides chat_id: text, message_id, reply_markup, caption, filename.
    params: dict[str, Any]
    file: bytes | None = None


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
    onboarding_step: OnboardingStep
    pending_consents: frozenset[str]
    stakeholder_group: str | None


class Invite(BaseModel):
    id: int
    pilot_id: int
    role: Role
    expires_at: str
    max_uses: int
    uses: int
    revoked_at: str | None = None

    @property
    def used_up(self) -> bool:
        """Whether every allowed use is taken."""
        return self.uses >= self.max_uses


class Standing(BaseModel):
    """A person, their roles and their membership in their current pilot."""

    person: Person
    roles: frozenset[Role]
    member: Member | None
