"""Callback data: versioned, signed, at most 64 bytes.

A button press arrives as a string the client could have forged. Each button carries
`v1|action|argument|signature`, the signature an HMAC over the rest and the Telegram id
of the person it was shown to, so a forged or transplanted button is rejected before
any handler logic runs. Role and state checks still happen in the handler.

Data can also be built in two steps, `unsigned` then `sign`: the outbox signs check-in
prompts' buttons only as it sends them (`bot.storage.models.SIGNED_FOR`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from functools import lru_cache
from typing import NamedTuple

VERSION = "v1"
MAX_BYTES = 64  # telegram.constants.InlineKeyboardButtonLimit.MAX_CALLBACK_DATA
_SIGNATURE_CHARS = 11
# Ids in callback data and numbers in commands: ASCII digits only (not `²` or `١٢`), and
# short enough for an SQLite INTEGER (at most 2**63 - 1).
_ASCII_NUMBER = re.compile(r"[0-9]{1,18}", re.ASCII)


class Press(NamedTuple):
    """A verified button press."""

    action: str
    argument: str


class InvalidCallbackError(ValueError):
    """Callback data that is malformed, oversized, of another version or forged."""


def ascii_number(text: str) -> int | None:
    """The number written in `text` with ASCII digits (at most 18), else None; never raises."""
    return int(text) if _ASCII_NUMBER.fullmatch(text) else None


def id_argument(text: str) -> int:
    """An id carried in a button's argument, or InvalidCallbackError."""
    number = ascii_number(text)
    if number is None:
        raise InvalidCallbackError(f"not an id: {text!r}")
    return number


@lru_cache(maxsize=8)
def _keyed(key: bytes) -> hmac.HMAC:
    # The key's inner and outer pads once; each signature copies them (a wave signs
    # thousands of buttons).
    return hmac.new(key, digestmod=hashlib.sha256)


def _signature(key: bytes, user_id: int, body: str) -> str:
    mac = _keyed(key).copy()
    mac.update(f"{user_id}|{body}".encode())
    digest = mac.digest()
    return base64.urlsafe_b64encode(digest).decode()[:_SIGNATURE_CHARS]


def unsigned(action: str, argument: str = "") -> str:
    """Callback data still to be signed (`sign`), checked to fit once it is."""
    if "|" in action or "|" in argument:
        raise ValueError("'|' is reserved in callback data")
    if not (action + argument).isascii():
        raise ValueError("callback data is ASCII")
    body = f"{VERSION}|{action}|{argument}"
    if len(body) + 1 + _SIGNATURE_CHARS > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {body!r}")
    return body


def sign(key: bytes, user_id: int, body: str) -> str:
    """Callback data from `unsigned`'s body, for a button shown to `user_id`."""
    return f"{body}|{_signature(key, user_id, body)}"


def encode(key: bytes, user_id: int, action: str, argument: str = "") -> str:
    """Callback data for a button shown to `user_id`."""
    return sign(key, user_id, unsigned(action, argument))


def encode_for_group(key: bytes, chat_id: int, action: str, argument: str = "") -> str:
    """Callback data for a button shown to a whole group: anyone in it may press it.

    Signed with the group's chat id (negative, so never a person's id); who pressed is
    checked by the handler, on the server.
    """
    return encode(key, chat_id, action, argument)


def decode(key: bytes, user_id: int, data: str | None) -> Press:
    """The press behind callback data, or InvalidCallbackError."""
    if not data or not data.isascii() or len(data) > MAX_BYTES:
        # Ours is ASCII throughout; anything else (a non-ASCII signature, say) is forged.
        raise InvalidCallbackError("missing, oversized or non-ASCII callback data")
    parts = data.split("|")
    if len(parts) != 4 or parts[0] != VERSION:
        raise InvalidCallbackError(f"malformed callback data {data!r}")
    version, action, argument, signature = parts
    expected = _signature(key, user_id, f"{version}|{action}|{argument}")
    if not hmac.compare_digest(signature, expected):
        raise InvalidCallbackError(f"bad signature on callback data {data!r}")
    return Press(action, argument)
