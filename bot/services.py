"""The repositories over one database, the settings, and the keys derived from them."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from functools import cached_property

from telegram.ext import Application

from bot.scheduling import Clock
from bot.settings import Settings
from bot.storage.db import Database
from bot.storage.repositories.actions import Actions
from bot.storage.repositories.analysis import AnalysisReads
from bot.storage.repositories.audit import Audit
from bot.storage.repositories.checkins import Checkins
from bot.storage.repositories.consents import Consents
from bot.storage.repositories.impact_maps import ImpactMaps
from bot.storage.repositories.invites import Invites
from bot.storage.repositories.members import Members
from bot.storage.repositories.people import People
from bot.storage.repositories.personal_data import PersonalData
from bot.storage.repositories.pilots import Pilots
from bot.storage.repositories.proposals import Proposals
from bot.storage.repositories.roles import Roles
from bot.storage.repositories.workshops import Workshops


@dataclass
class Services:
    """The repositories over one database, and the settings."""

    settings: Settings
    db: Database
    # What time it is (the demo and tests set their own).
    clock: Clock = field(default_factory=Clock)
    pilots: Pilots = field(init=False)
    people: People = field(init=False)
    members: Members = field(init=False)
    roles: Roles = field(init=False)
    invites: Invites = field(init=False)
    consents: Consents = field(init=False)
    audit: Audit = field(init=False)
    personal_data: PersonalData = field(init=False)
    impact_maps: ImpactMaps = field(init=False)
    actions: Actions = field(init=False)
    checkins: Checkins = field(init=False)
    proposals: Proposals = field(init=False)
    workshops: Workshops = field(init=False)
    analysis: AnalysisReads = field(init=False)

    def __post_init__(self) -> None:
        self.pilots = Pilots(self.db)
        self.people = People(self.db)
        self.members = Members(self.db)
        self.roles = Roles(self.db)
        self.invites = Invites(self.db)
        self.consents = Consents(self.db)
        self.audit = Audit(self.db)
        self.personal_data = PersonalData(self.db)
        self.impact_maps = ImpactMaps(self.db)
        self.actions = Actions(self.db)
        self.checkins = Checkins(self.db)
        self.proposals = Proposals(self.db)
        self.workshops = Workshops(self.db)
        self.analysis = AnalysisReads(self.db)

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

    @cached_property
    def _export_key(self) -> bytes:
        return self._subkey("export pseudonym")

    def export_pseudonym(self, pilot_id: int, pseudonym: str) -> str:
        """A member's name in the pilot's exports: the same in each export of the pilot, and
        linkable neither to the bot's pseudonym nor to another pilot's exports."""
        name = hmac.new(self._export_key, f"{pilot_id}:{pseudonym}".encode(), hashlib.sha256)
        return "m" + name.hexdigest()[:16]

    def pseudonym(self, telegram_id: int) -> str:
        """HMAC-SHA256 of the Telegram id: the only identity analysis tables hold."""
        return hmac.new(self._pseudonym_key, str(telegram_id).encode(), hashlib.sha256).hexdigest()


def services_of(application: Application) -> Services:
    """The services stored on an application at start-up."""
    return application.bot_data["services"]
