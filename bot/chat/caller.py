"""Who is acting in an update: identified once, by the gate, and never changed.

Where a use case changes who the person is (they joined, chose a language), the handler
asks for a new Caller rather than editing this one.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Update

from bot.chat.commands import LEVELS, Level
from bot.i18n import Translate, resolve_language, translator
from bot.services import Services
from bot.storage.models import Member, Person, Pilot, Role


@dataclass(frozen=True)
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
