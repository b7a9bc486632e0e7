"""The wire format both transports share: PTB's form fields → typed params, replies → bytes.

python-telegram-bot 22.8 (HTTPXRequest) sends ``RequestData.json_parameters`` as form fields:
strings as they are, every other value JSON-encoded; files go as multipart parts. Telegram
itself decides per parameter how to read a field, so this module does too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote

from sandbox.errors import ApiError, bad_request


@dataclass(frozen=True)
class Upload:
    """One file part of a multipart request."""

    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Reply:
    """What a transport sends back: HTTP status, body, and a delay (a timeout fault)."""

    status: int
    body: bytes
    content_type: str = "application/json"
    delay: float = 0.0


_INT_FIELDS = {
    "message_id",
    "user_id",
    "offset",
    "limit",
    "timeout",
    "reply_to_message_id",
    "message_thread_id",
    "open_period",
    "close_date",
    "cache_time",
    "from_chat_id",
    "correct_option_id",
}
_BOOL_FIELDS = {
    "disable_notification",
    "protect_content",
    "is_anonymous",
    "allows_multiple_answers",
    "is_closed",
    "show_alert",
    "allow_sending_without_reply",
    "has_spoiler",
    "drop_pending_updates",
    "allows_revoting",
    "members_only",
    "show_caption_above_media",
    "disable_content_type_detection",
    "disable_web_page_preview",
    "allow_paid_broadcast",
}
_JSON_FIELDS = {
    "reply_markup",
    "entities",
    "caption_entities",
    "options",
    "allowed_updates",
    "commands",
    "scope",
    "media",
    "reply_parameters",
    "link_preview_options",
    "question_entities",
    "explanation_entities",
    "correct_option_ids",
}
_CHAT_ID = re.compile(r"-?\d+")
API_ROUTE = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>[A-Za-z0-9_]+)/?")
FILE_ROUTE = re.compile(r"/file/bot(?P<token>[^/]+)/(?P<path>.+)")


def decode_params(fields: dict[str, Any]) -> dict[str, Any]:
    """Read each field as Telegram does: ints, booleans and JSON objects from their text form."""
    params: dict[str, Any] = {}
    for name, value in fields.items():
        if not isinstance(value, str):
            params[name] = value
        elif name == "chat_id":
            params[name] = int(value) if _CHAT_ID.fullmatch(value) else value
        elif name in _INT_FIELDS:
            try:
                params[name] = int(value)
            except ValueError:
                raise bad_request(f"invalid {name} specified") from None
        elif name in _BOOL_FIELDS:
            params[name] = value.lower() in ("true", "1")
        elif name in _JSON_FIELDS:
            try:
                params[name] = json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        else:
            params[name] = value
    return params


def ok_reply(result: Any) -> Reply:
    """A 200 with Telegram's success envelope."""
    return Reply(200, json.dumps({"ok": True, "result": result}).encode())


def error_reply(error: ApiError, *, delay: float = 0.0) -> Reply:
    """An error envelope whose HTTP status equals error_code, as Telegram answers."""
    return Reply(error.error_code, json.dumps(error.envelope()).encode(), delay=delay)


def parse_body(content_type: str, body: bytes) -> tuple[dict[str, Any], dict[str, Upload]]:
    """Split a request body into form fields and uploaded files, whatever its content type."""
    mime, _, options = content_type.partition(";")
    mime = mime.strip().lower()
    if not body:
        return {}, {}
    if mime == "application/json":
        try:
            decoded = json.loads(body)
        except ValueError:
            raise bad_request("can't parse JSON request body") from None
        if not isinstance(decoded, dict):
            raise bad_request("JSON request body must be an object")
        return decoded, {}
    if mime == "multipart/form-data":
        match = re.search(r'boundary="?([^";]+)"?', options)
        if match is None:
            raise bad_request("multipart body without boundary")
        return _parse_multipart(body, match.group(1).encode())
    return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True)), {}


def _parse_multipart(body: bytes, boundary: bytes) -> tuple[dict[str, Any], dict[str, Upload]]:
    fields: dict[str, Any] = {}
    files: dict[str, Upload] = {}
    for part in body.split(b"--" + boundary)[1:]:
        if part.startswith(b"--"):
            break
        head, _, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        headers = _part_headers(head.decode("utf-8", "replace"))
        disposition = headers.get("content-disposition", "")
        name = _disposition_value(disposition, "name")
        filename = _disposition_value(disposition, "filename")
        if name is None:
            continue
        if filename is None:
            fields[name] = content.decode("utf-8")
        else:
            content_type = headers.get("content-type", "application/octet-stream")
            files[name] = Upload(name, filename, content_type, content)
    return fields, files


def _part_headers(head: str) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in head.split("\r\n"):
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    return headers


def _disposition_value(disposition: str, key: str) -> str | None:
    match = re.search(rf'(?:^|;)\s*{key}="((?:[^"\\]|\\.)*)"', disposition)
    if match:
        return match.group(1).replace('\\"', '"')
    match = re.search(rf"(?:^|;)\s*{key}\*=utf-8''([^;]+)", disposition, re.IGNORECASE)
    if match:
        return unquote(match.group(1))
    return None
