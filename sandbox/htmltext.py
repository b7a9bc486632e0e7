"""Telegram's HTML parse mode: markup → plain text + MessageEntity dicts (UTF-16 offsets)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sandbox.errors import ApiError, bad_request

# Tags Telegram accepts (Bot API "HTML style"), mapped to entity types.
_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}
_OTHER_TAGS = {"a", "span", "blockquote", "tg-emoji"}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+[^<>]*?)?)\s*>")
_ATTR = re.compile(r"""([A-Za-z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|[A-Za-z]+);")
# How Telegram's clients find bot commands in what a person types; the rules are tdlib's
# match_bot_commands (td/telegram/MessageEntity.cpp), the Bot API's example is /start@jobs_bot.
_COMMAND_CANDIDATE = re.compile(r"/(?P<name>[A-Za-z0-9_]*)(?:@(?P<bot>[A-Za-z0-9_]*))?")
MAX_COMMAND_NAME = 64  # tdlib: 1-64 ASCII letters, digits, underscores (setMyCommands allows 32)
MIN_BOT_USERNAME, MAX_BOT_USERNAME = 3, 32  # tdlib: the @username part, 3-32 of the same
_NOT_BESIDE_A_COMMAND = "/<>"  # tdlib: neither before the slash nor right after the command


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _unescape(fragment: str) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("#x"):
            return chr(int(name[2:], 16))
        if name.startswith("#"):
            return chr(int(name[1:]))
        return _NAMED_ENTITIES.get(name, match.group(0))

    return _ENTITY.sub(replace, fragment)


def _parse_error(detail: str) -> ApiError:
    return bad_request(f"can't parse entities: {detail}")


def _byte_offset(markup: str, index: int) -> int:
    return len(markup[:index].encode("utf-8"))


def _attributes(raw: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for match in _ATTR.finditer(raw):
        value = match.group(2) or match.group(3) or match.group(4) or ""
        found[match.group(1).lower()] = _unescape(value)
    return found


def _open_entity(name: str, attrs: dict[str, str], markup: str, index: int) -> dict[str, Any]:
    if name in _SIMPLE_TAGS:
        return {"type": _SIMPLE_TAGS[name]}
    if name == "a":
        return {"type": "text_link", "url": attrs.get("href", "")}
    if name == "span" and attrs.get("class") == "tg-spoiler":
        return {"type": "spoiler"}
    if name == "blockquote":
        kind = "expandable_blockquote" if "expandable" in attrs else "blockquote"
        return {"type": kind}
    if name == "tg-emoji" and "emoji-id" in attrs:
        return {"type": "custom_emoji", "custom_emoji_id": attrs["emoji-id"]}
    raise _parse_error(
        f'Unsupported start tag "{name}" at byte offset {_byte_offset(markup, index)}'
    )


def parse_html(markup: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML into plain text and entities, or raise a 400 like Telegram does."""
    text_parts: list[str] = []
    length = 0  # UTF-16 units emitted so far
    stack: list[tuple[str, dict[str, Any], int]] = []
    entities: list[dict[str, Any]] = []
    index = 0
    while index < len(markup):
        lt = markup.find("<", index)
        chunk = markup[index:] if lt < 0 else markup[index:lt]
        if chunk:
            plain = _unescape(chunk)
            text_parts.append(plain)
            length += utf16_len(plain)
        if lt < 0:
            break
        match = _TAG.match(markup, lt)
        if match is None:
            if ">" not in markup[lt:]:
                raise _parse_error(f"Unclosed start tag at byte offset {_byte_offset(markup, lt)}")
            raise _parse_error(
                f"Unexpected end of name token at byte offset {_byte_offset(markup, lt)}"
            )
        closing, name, raw_attrs = match.group(1), match.group(2).lower(), match.group(3)
        if closing:
            if not stack:
                raise _parse_error(f"Unexpected end tag at byte offset {_byte_offset(markup, lt)}")
            open_name, entity, start = stack.pop()
            if open_name != name:
                raise _parse_error(
                    f"Unmatched end tag at byte offset {_byte_offset(markup, lt)}, "
                    f'expected "</{open_name}>", found "</{name}>"'
                )
            _close_entity(entity, start, length, stack, entities)
        else:
            if name not in _SIMPLE_TAGS and name not in _OTHER_TAGS:
                raise _parse_error(
                    f'Unsupported start tag "{name}" at byte offset {_byte_offset(markup, lt)}'
                )
            entity = _open_entity(name, _attributes(raw_attrs), markup, lt)
            if name == "code" and "class" in (attrs := _attributes(raw_attrs)):
                entity["language"] = attrs["class"].removeprefix("language-")
            stack.append((name, entity, length))
        index = match.end()
    if stack:
        raise _parse_error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(text_parts), entities


def _close_entity(
    entity: dict[str, Any],
    start: int,
    end: int,
    stack: list[tuple[str, dict[str, Any], int]],
    entities: list[dict[str, Any]],
) -> None:
    language = entity.pop("language", None) if entity["type"] == "code" else None
    if language and stack and stack[-1][1]["type"] == "pre" and stack[-1][2] == start:
        # <pre><code class="language-x"> is one pre entity with a language, as in Telegram.
        stack[-1][1]["language"] = language
        return
    if end > start:
        entities.append({**entity, "offset": start, "length": end - start})


def _word_character(char: str) -> bool:
    """tdlib's is_word_character: a Unicode letter or number (any script), or '_'."""
    return char == "_" or unicodedata.category(char)[0] in "LN"


def _may_touch_command(char: str) -> bool:
    return not (_word_character(char) or char in _NOT_BESIDE_A_COMMAND)


def command_entities(text: str) -> list[dict[str, Any]]:
    """bot_command entities for every /command in a person's text, as Telegram's clients mark.

    A command is "/" + 1-64 of [A-Za-z0-9_], optionally "@" + a 3-32 character bot username
    of the same; the character before the slash and the one after the command must be
    neither a letter, digit or underscore of any script nor "/", "<", ">". So "/invite-x"
    and "/invite.x" mark "/invite"; "a/invite", "//invite", "/ invite", "/inviteä" and
    "/invite@ab" mark nothing; case is kept ("/INVITE").
    """
    entities = []
    for match in _COMMAND_CANDIDATE.finditer(text):
        start, end = match.span()
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        bot = match["bot"]
        if (
            _may_touch_command(before)
            and 1 <= len(match["name"]) <= MAX_COMMAND_NAME
            and (bot is None or MIN_BOT_USERNAME <= len(bot) <= MAX_BOT_USERNAME)
            and _may_touch_command(after)
        ):
            entities.append(
                {
                    "type": "bot_command",
                    "offset": utf16_len(text[:start]),
                    "length": utf16_len(match[0]),
                }
            )
    return entities
