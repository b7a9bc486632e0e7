"""The observations CSV of a pilot (what `seroi-bot report --observations` reads)."""

from __future__ import annotations

import csv
import io

from bot.services import Services
from seroi.indicators import INDICATORS
from seroi.observations import REQUIRED_COLUMNS, parse_observations


class UnknownPilotError(LookupError):
    """No pilot has this slug."""


async def observations_csv(services: Services, slug: str) -> tuple[str, int]:
    """Every answer of the pilot as `member,date,indicator,value`, and how many there are.

    Members are pseudonyms; the date is the period each answer is about (the Monday of
    its week, the first day of its month). Derived values and skipped items are left out.
    """
    pilot = await services.pilots.by_slug(slug)
    if pilot is None:
        raise UnknownPilotError(slug)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(REQUIRED_COLUMNS)
    count = 0
    for row in await services.checkins.observations(pilot.id):
        if row["item"] in INDICATORS:
            writer.writerow((row["pseudonym"], row["period"], row["item"], row["value"]))
            count += 1
    text = out.getvalue()
    parse_observations(text, f"{slug} observations")  # what the report reads must parse
    return text, count
