"""Who is acting in an update: identified once, by the gate, and never changed.

Where a use case changes who the person is (they joined, chose a language), the handler
asks for a new Caller rather than editing this one.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Update

from bot.chat.commands import Level
from bot.i18n import Translate, resolve_language, translator
from bot.services import Services
from bot.storage.models import ROLES, Member, Person, Pilot, Role


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
    # Whether that membership stood on no privacy notice older than the current one (then
    # no update of the notice can be due after this update; see `Members`).
    notice_up_to_date: bool = False

    @property
    def _(self) -> Translate:
        """gettext in the caller's language."""
        return translator(self.language)

    @property
    def processing_stopped(self) -> bool:
        """Whether the person used /withdraw (and has not rejoined since)."""
        return self.person is not None and self.person.processing_stopped

    @property
    def roles_suspended(self) -> bool:
        """Whether the person's roles in their current pilot are on hold.

        Withdrawing from a pilot suspends the roles held there until the person rejoins
        that pilot (joining another one does not restore them). A role held without a
        membership counts unless the person has stopped all processing.
        """
        if self.member is not None:
            return self.member.status == "withdrawn"
        return self.processing_stopped

    @property
    def role(self) -> Role | None:
        """The highest role this person may use in their current pilot (admins aside)."""
        if self.roles_suspended:
            return None
        return next((role for role in ROLES if role in self.roles), None)  # highest first

    @property
    def level(self) -> Level:
        """The highest thing this person may do in their current pilot.

        Admins come from settings and are never suspended.
        """
        if self.is_admin:
            return "admin"
        return self.role or "everyone"


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
        notice_up_to_date=standing.notice_up_to_date if standing else True,
    )


async def of_person(services: Services, pseudonym: str, chat_id: int) -> Caller:
    """The person a job writes to, as an update of theirs would identify them.

    With no update there is no Telegram language; a private chat's id is its person's id.
    """
    standing = await services.people.standing(pseudonym)
    person = standing.person if standing else None
    language = resolve_language(
        person.language if person else None, None, services.settings.default_language
    )
    pilot = None
    if person and person.current_pilot_id is not None:
        pilot = await services.pilots.by_id(person.current_pilot_id)
    return Caller(
        telegram_id=chat_id,
        chat_id=chat_id,
        pseudonym=pseudonym,
        person=person,
        language=language,
        is_admin=chat_id in services.settings.admin_ids,
        pilot=pilot,
        roles=standing.roles if standing else frozenset(),
        member=standing.member if standing else None,
        notice_up_to_date=standing.notice_up_to_date if standing else True,
    )
