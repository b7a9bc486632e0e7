"""Readable one-line renderings of messages, keyboards and polls for the transcript."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def describe_buttons(markup: dict[str, Any] | None) -> str:
    """[buttons: A | B] for an inline keyboard, or [no buttons]."""
    rows = (markup or {}).get("inline_keyboard", [])
    labels = [button["text"] for row in rows for button in row]
    return f"[buttons: {' | '.join(labels)}]" if labels else "[no buttons]"


def describe_counts(poll: dict[str, Any]) -> str:
    """(A 2, B 1) for a poll's vote counts."""
    return "(" + ", ".join(f"{o['text']} {o['voter_count']}" for o in poll["options"]) + ")"


def describe_message(
    message: dict[str, Any], filename_of: Callable[[str], str] = lambda file_id: ""
) -> str:
    """A one-line, readable rendering of a whole message for the transcript."""
    parts = []
    if "photo" in message:
        largest = message["photo"][-1]
        name = filename_of(largest["file_id"])
        parts.append(f"[photo {largest['width']}×{largest['height']}{' ' + name if name else ''}]")
    if "document" in message:
        document = message["document"]
        parts.append(f"[document {document['file_name']}, {document['file_size']} bytes]")
    if "poll" in message:
        poll = message["poll"]
        options = " | ".join(o["text"] for o in poll["options"])
        parts.append(f"[poll “{poll['question']}”: {options}]")
    body = message.get("text") or message.get("caption")
    if body:
        parts.append(body.replace("\n", " ⏎ "))  # the whole text, on the event's one line
    if message.get("reply_markup"):
        parts.append(describe_buttons(message["reply_markup"]))
    return " ".join(parts)
