"""What every handler needs: the repositories, and who is acting in this update."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from functools import cached_property

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.commands import LEVELS, Command, Level
from bot.i18n import Translate, resolve_language, translator
from bot.outbox import Outbox
from bot.settings import Settings
from bot.storage.db import Database
from bot.storage.models import Member, Person, Pilot, Role
from bot.storage.repositories import (
    Audit,
    Consents,
    Invites,
    Members,
    People,
    PersonalData,
    Pilots,
    Roles,
)


@dataclass
class Services:
    """The repositories over one database, and the settings."""

    settings: Settings
    db: Database
    pilots: Pilots = field(init=False)
    people: People = field(init=False)
    members: Members = field(init=False)
    roles: Roles = field(init=False)
    invites: Invites = field(init=False)
    consents: Consents = field(init=False)
    audit: Audit = field(init=False)
    personal_data: PersonalData = field(init=False)

    def __post_init__(self) -> None:
        self.pilots = Pilots(self.db)
        self.people = People(self.db)
        self.members = Members(self.db)
        self.roles = Roles(self.db)
        self.invites = Invites(self.db)
        self.consents = Consents(self.db)
        self.audit = Audit(self.db)
        self.personal_data = PersonalData(self.db)

    def _subkey(self, purpose: str) -> bytes:
        # One secret in settings, a separate key per use, so neither use weakens the other.
        secret = self.settings.pseudonym_key.get_secret_value().encode()
        return hmac.new(secret, purpose.encode(), hashlib.sha256).digest()

    @cached_property
    def button_key(self) -> bytes:
        """The key that signs callback data."""
        return self._subkey("callback data")

    @cached_property
    def _pseudonym_key(self) -> bytes:
        return self._subkey("pseudonym")

    def pseudonym(self, telegram_id: int) -> str:
        """HMAC-SHA256 of the Telegram id: the only identity analysis tables hold."""
        return hmac.new(self._pseudonym_key, str(telegram_id).encode(), hashlib.sha256).hexdigest()


@dataclass
class Caller:
    """The person behind an update, as far as this pilot is concerned."""

    telegram_id: int
    chat_id: int
    pseudonym: str
    person: Person | None
    language: str
    is_admin: bool
    pilot: Pilot | None
    roles: frozenset[Role]
    # The membership in `pilot` as it was when the update arrived.
    member: Member | None

    @property
    def _(self) -> Translate:
        """gettext in the caller's language."""
        return translator(self.language)

    @property
    def processing_stopped(self) -> bool:
        """Whether the person used /withdraw (and has not rejoined since)."""
        return self.person is not None and self.person.processing_stopped

    @property
    def level(self) -> Level:
        """The highest thing this person may do in their current pilot."""
        if self.is_admin:
            return "admin"
        if self.processing_stopped:
            # Withdrawal suspends every role until the person rejoins with an invite.
            return "everyone"
        for level in reversed(LEVELS[1:-1]):
            if level in self.roles:
                return level
        return "everyone"


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    """CallbackContext with a typed way to the services."""

    @property
    def services(self) -> Services:
        """The services of this application."""
        return services_of(self.application)

    @property
    def outbox(self) -> Outbox:
        """Where replies go to be sent."""
        return self.application.bot_data["outbox"]

    @property
    def commands(self) -> tuple[Command, ...]:
        """The merged command table of this application."""
        return self.application.bot_data["commands"]


def services_of(application: Application) -> Services:
    """The services stored on an application at start-up."""
    return application.bot_data["services"]


async def identify(services: Services, update: Update) -> Caller:
    """Who is acting, in which language, with which roles in their current pilot."""
    user = update.effective_user
    chat = update.effective_chat
    pseudonym = services.pseudonym(user.id)
    standing = await services.people.standing(pseudonym)
    person = standing.person if standing else None
    language = resolve_language(
        person.language if person else None,
        user.language_code,
        services.settings.default_language,
    )
    pilot = None
    if person and person.current_pilot_id is not None:
        pilot = await services.pilots.by_id(person.current_pilot_id)
    return Caller(
        telegram_id=user.id,
        chat_id=chat.id if chat else user.id,
        pseudonym=pseudonym,
        person=person,
        language=language,
        is_admin=user.id in services.settings.admin_ids,
        pilot=pilot,
        roles=standing.roles if standing else frozenset(),
        member=standing.member if standing else None,
    )
