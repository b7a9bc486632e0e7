"""Logging that carries no personal data and no secret, at any level, DEBUG included.

What could leak: the bot token (it is part of every Bot API URL that httpx logs), and the
people's Telegram ids, names and texts (PTB logs call parameters, return values and whole
updates at DEBUG, and a batch it cannot parse at CRITICAL; aiosqlite logs every statement
with its values). The filter below is installed on the root logger's handlers, so it sees
every record that is written: it withholds every argument that is not a plain value
(dicts, lists, Telegram objects, database calls), which is where the people's data
travels, and blanks the secrets out of what is left, tracebacks included.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from enum import Enum
from urllib.parse import quote

import httpx

SECRET_MARK = "<secret>"
# Arguments of these types are written (with the secrets blanked out); any other object,
# a dict or list of call parameters, an Update, a pending database call with its values,
# is withheld: its text could hold anything.
_WRITTEN = (str, int, float, bool, type(None), type, Enum, BaseException, httpx.URL)


class _Withheld:
    """Stands in for an argument: the same for %s and %r."""

    def __init__(self, value: object) -> None:
        self._text = f"<{type(value).__name__} withheld>"

    def __repr__(self) -> str:
        return self._text


def _withheld(value: object) -> object:
    return value if isinstance(value, _WRITTEN) else _Withheld(value)


class Redactor(logging.Filter):
    """Withholds structured log arguments and blanks out the given secrets."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        forms = set()
        for secret in secrets:
            if secret:
                forms |= {secret, quote(secret, safe=""), quote(secret)}
        # Longest first, so that no shorter form leaves part of a longer one behind.
        self._secrets = sorted(forms, key=len, reverse=True)

    def redact(self, text: str) -> str:
        """The text with every secret replaced by a mark."""
        for secret in self._secrets:
            text = text.replace(secret, SECRET_MARK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; it is always written, as rewritten."""
        if isinstance(record.args, Mapping):
            record.args = {key: _withheld(value) for key, value in record.args.items()}
        elif record.args:
            record.args = tuple(_withheld(value) for value in record.args)
        record.msg = self.redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def configure_logging(level: str, secrets: Iterable[str] = ()) -> None:
    """Log to stderr at `level`, every record passing through a Redactor of `secrets`."""
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
    # httpx logs every request at INFO; below DEBUG the bot's own log is what an operator
    # needs.
    logging.getLogger("httpx").setLevel(logging.DEBUG if level == "DEBUG" else logging.WARNING)
    redactor = Redactor(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redactor)
