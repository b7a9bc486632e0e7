"""URL- and file-system-safe names (`Laitila remote-work hub` → `laitila-remote-work-hub`)."""

from __future__ import annotations

import re
import unicodedata


def slugify(name: str, fallback: str) -> str:
    """Lower-case ASCII letters, digits and hyphens; `fallback` when nothing is left."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or fallback
