"""What sending and editing methods read from a request, checked as Telegram checks it."""

from __future__ import annotations

import copy
from typing import Any

from sandbox.describe import describe_message
from sandbox.errors import bad_request, forbidden
from sandbox.htmltext import parse_html
from sandbox.limits import MAX_CALLBACK_DATA_BYTES, MAX_KEYBOARD_BUTTONS
from sandbox.state import SandboxState


def target_chat(state: SandboxState, params: dict[str, Any]) -> dict[str, Any]:
    """The chat a request names by chat_id (an id or "@username"), or 400 chat not found."""
    chat_id = params.get("chat_id")
    if chat_id is None or chat_id == "":
        raise bad_request("chat_id is empty")
    chat = state.chats.get(chat_id) if isinstance(chat_id, int) else None
    if chat is None and isinstance(chat_id, str):
        chat = next((c for c in state.chats.values() if f"@{c.get('username')}" == chat_id), None)
    if chat is None:
        raise bad_request("chat not found")
    return chat


def writable_chat(
    state: SandboxState, params: dict[str, Any], content: str = "text messages"
) -> dict[str, Any]:
    """target_chat, if the bot may write there: 403 as Telegram when blocked or not a member,
    400 when the group has restricted it (it may not send `content` there)."""
    chat = target_chat(state, params)
    if chat["type"] == "private":
        user = state.users[chat["id"]]
        if user.blocked_bot:
            raise forbidden("bot was blocked by the user")
        if not user.started:
            raise forbidden("bot can't initiate conversation with a user")
    elif state.bot_status.get(chat["id"], "left") == "restricted":
        raise bad_request(f"not enough rights to send {content} to the chat")
    elif state.bot_status.get(chat["id"], "left") not in ("member", "administrator"):
        kind = "supergroup" if chat["type"] == "supergroup" else "group"
        raise forbidden(f"bot is not a member of the {kind} chat")
    return chat


def formatted(
    text: Any,
    parse_mode: Any,
    entities: Any,
    *,
    limit: int,
    too_long: str,
    required: bool,
) -> tuple[str, list[dict[str, Any]]]:
    """Text and entities of a text or caption: HTML parsed, or the entities given; 400s."""
    text = "" if text is None else str(text)
    if parse_mode:
        if str(parse_mode).lower() != "html":
            # Real Telegram also knows Markdown/MarkdownV2; this sandbox speaks HTML only.
            raise bad_request(f"unsupported parse_mode {parse_mode!r} in the sandbox")
        text, parsed = parse_html(text)
    else:
        parsed = list(entities or [])
    if required and not text.strip():
        raise bad_request("message text is empty")
    if len(text) > limit:
        raise bad_request(too_long)
    return text, parsed


def inline_markup(
    state: SandboxState, chat_id: int, params: dict[str, Any]
) -> dict[str, Any] | None:
    """A request's inline keyboard, checked as Telegram does; a reply keyboard is remembered."""
    markup = params.get("reply_markup")
    if not markup:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        if "keyboard" in markup:
            state.reply_keyboards[chat_id] = markup
        elif markup.get("remove_keyboard"):
            state.reply_keyboards[chat_id] = None
        return None
    rows = markup["inline_keyboard"]
    buttons = [button for row in rows for button in row]
    if len(buttons) > MAX_KEYBOARD_BUTTONS:
        raise bad_request("reply markup is too long")
    for button in buttons:
        if not button.get("text"):
            raise bad_request("text buttons are unallowed in the inline keyboard")
        data = button.get("callback_data")
        if data is not None:
            size = len(str(data).encode("utf-8"))
            if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
                raise bad_request("BUTTON_DATA_INVALID")
        elif not any(key in button for key in ("url", "web_app", "switch_inline_query")):
            raise bad_request('can\'t find field "callback_data" or "url" in the button')
    return {"inline_keyboard": rows}


def reply_to(state: SandboxState, chat_id: int, params: dict[str, Any]) -> dict[str, Any] | None:
    """The message a request replies to, quoted (None if none or allowed to be missing)."""
    reply = params.get("reply_parameters") or {}
    target = reply.get("message_id") or params.get("reply_to_message_id")
    if not target:
        return None
    original = state.find_message(chat_id, int(target))
    if original is None:
        if reply.get("allow_sending_without_reply") or params.get("allow_sending_without_reply"):
            return None
        raise bad_request("message to be replied not found")
    quoted = copy.deepcopy(original)
    quoted.pop("reply_to_message", None)
    return quoted


def bot_message(
    state: SandboxState, chat: dict[str, Any], params: dict[str, Any], **content: Any
) -> Any:
    """Store the bot's new message with its keyboard and quoted reply, and transcribe it."""
    markup = inline_markup(state, chat["id"], params)
    quoted = reply_to(state, chat["id"], params)
    message = state.new_message(chat["id"], state.bot_user(), reply_to_message=quoted, **content)
    if markup:
        message["reply_markup"] = markup
    rendered = describe_message(message, state.filename)
    state.say(f"bot → {state.chat_label(chat['id'])}: {rendered}")
    return copy.deepcopy(message)
