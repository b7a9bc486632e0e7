"""Who is at the table (SEROI+ step 2), as use cases: members per group, the groups missing."""

from __future__ import annotations

from dataclasses import dataclass

from bot.chat.caller import Caller
from bot.features.impact_map.maps import current, group_codes
from bot.services import Services
from bot.storage.models import Invite
from seroi.disclosure import may_show
from seroi.impact_map import ImpactMap, stakeholder_groups

# A group invite is for a workshop or a mailing list: room for many, the usual validity.
GROUP_INVITE_USES = 100


@dataclass(frozen=True)
class Table:
    """Active members per group, and the groups the map names that have too few of them."""

    counts: dict[str, int]  # every onboarding group, in onboarding order
    # Each group the map's stakeholders name with too few members: those stakeholders.
    missing: dict[str, list[str]]
    impact_map: ImpactMap | None

    def shown(self, group: str) -> int | None:
        """The group's count, or None where it is too small to show."""
        count = self.counts[group]
        return count if may_show(count, sensitive=False) else None


async def table(services: Services, caller: Caller) -> Table:
    """Who is at the table in the caller's current pilot."""
    stored = await services.members.group_counts(caller.pilot.id)
    counts = {group: stored.get(group, 0) for group in group_codes()}
    found = await current(services, caller.pilot.id)
    missing: dict[str, list[str]] = {}
    if found is not None:
        for stakeholder, groups in stakeholder_groups(found.impact_map).items():
            for group in groups:
                if not may_show(counts.get(group, 0), sensitive=False):
                    missing.setdefault(group, []).append(stakeholder)
    ordered = {group: missing[group] for group in counts if group in missing}
    return Table(counts, ordered, found.impact_map if found else None)


@dataclass(frozen=True)
class GroupInvite:
    code: str
    invite: Invite


async def group_invite(
    services: Services, caller: Caller, group: str, update_id: int
) -> GroupInvite | None:
    """A member invite that records `group` for everyone joining by it; None if not a group."""
    if group not in group_codes():
        return None
    days = services.settings.invite_days_valid
    async with services.db.transaction(update_id):
        code, created = await services.invites.create(
            caller.pilot.id, "member", GROUP_INVITE_USES, days, stakeholder_group=group
        )
        await services.audit.add(
            "invite created",
            actor=caller.pseudonym,
            pilot_id=caller.pilot.id,
            detail=f"invite={created.id} role=member group={group} uses={GROUP_INVITE_USES}",
        )
    return GroupInvite(code, created)
