"""A pilot's check-in choices: which wellbeing module it asks, its support pointer."""

from __future__ import annotations

from bot.services import Services


async def configure(
    services: Services, slug: str, wellbeing: str | None, support: str | None
) -> tuple[str, str | None] | None:
    """Change what is given (support '' removes it); the pilot's setup after, None if no pilot."""
    pilot = await services.pilots.by_slug(slug)
    if pilot is None:
        return None
    async with services.db.transaction():
        await services.checkins.configure_pilot(pilot.id, wellbeing, support)
    setup = await services.checkins.pilot_setup(pilot.id)
    return setup["wellbeing_module"], setup["support_pointer"]
