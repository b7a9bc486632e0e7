"""The sandbox core: one offline Telegram with its users, chats, messages, polls and files.

Pure and thread-safe (one re-entrant lock and its condition). Transports hand it PTB's form
fields through ``handle_api``; tests and the demo act as users through the control surface.
"""

from __future__ import annotations

import asyncio
import copy
import json
import random
import re
import string
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox.errors import ApiError, SandboxError, WaitTimeout, bad_request, forbidden, not_found
from sandbox.faults import Faults, FloodControl
from sandbox.htmltext import command_entities, parse_html, utf16_len
from sandbox.media import image_size, photo_ladder
from sandbox.wire import Reply, Upload, decode_params, error_reply, ok_reply

# Limits copied from telegram.constants (PTB 22.8); the core must not import telegram.
MAX_TEXT_LENGTH = 4096  # MessageLimit.MAX_TEXT_LENGTH
MAX_CAPTION_LENGTH = 1024  # MessageLimit.CAPTION_LENGTH
MAX_CALLBACK_DATA_BYTES = 64  # InlineKeyboardButtonLimit.MAX_CALLBACK_DATA
MAX_KEYBOARD_BUTTONS = 100  # InlineKeyboardMarkupLimit.TOTAL_BUTTON_NUMBER
MAX_CALLBACK_ANSWER_LENGTH = 200  # CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH
MAX_POLL_QUESTION_LENGTH = 300  # PollLimit.MAX_QUESTION_LENGTH
MAX_POLL_OPTION_LENGTH = 100  # PollLimit.MAX_OPTION_LENGTH
MIN_POLL_OPTIONS, MAX_POLL_OPTIONS = 2, 12  # Bot API sendPoll; PollLimit.MAX_OPTION_NUMBER
MIN_OPEN_PERIOD, MAX_OPEN_PERIOD = 5, 2_628_000  # PollLimit.MIN/MAX_OPEN_PERIOD
MAX_PHOTO_BYTES = 10_000_000  # FileSizeLimit.PHOTOSIZE_UPLOAD
MAX_UPLOAD_BYTES = 50_000_000  # FileSizeLimit.FILESIZE_UPLOAD
MAX_DOWNLOAD_BYTES = 20_000_000  # FileSizeLimit.FILESIZE_DOWNLOAD
MAX_COMMANDS = 100  # BotCommandLimit.MAX_COMMAND_NUMBER
MAX_COMMAND_LENGTH = 32  # BotCommandLimit.MAX_COMMAND
MAX_COMMAND_DESCRIPTION = 256  # BotCommandLimit.MAX_DESCRIPTION
MIN_MEDIA_GROUP, MAX_MEDIA_GROUP = 2, 10  # MediaGroupLimit

CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
# Sent without allowed_updates, Telegram delivers every type except these three.
_OPT_IN_UPDATES = {"chat_member", "message_reaction", "message_reaction_count"}
_CHAT_ACTIONS = {
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
}
_SENDING_METHODS = {"sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup", "sendPoll"}
_TOKEN_SHAPE = re.compile(r"\d+:[A-Za-z0-9_-]{30,}")
_COMMAND_NAME = re.compile(r"[a-z0-9_]+")
_OUTBOX_SHOWN_ON_TIMEOUT = 15


@dataclass
class SimUser:
    """A simulated Telegram user; private chat id == id."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str = "en"
    blocked_bot: bool = False
    started: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The User JSON Telegram sends for this person."""
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    @property
    def chat_id(self) -> int:
        """The id of this user's private chat with the bot."""
        return self.id


@dataclass(frozen=True)
class ApiCall:
    """One Bot API call the bot made, with what the sandbox answered."""

    method: str
    params: dict[str, Any]
    ok: bool
    result: Any
    error_code: int | None
    description: str | None
    at: float
    fault: str | None = None

    def line(self) -> str:
        """A one-line summary for failure messages."""
        shown = {k: v for k, v in self.params.items() if k != "reply_markup"}
        outcome = "ok" if self.ok else f"{self.error_code} {self.description}"
        fault = f" [fault {self.fault}]" if self.fault else ""
        return f"{self.method}({json.dumps(shown, ensure_ascii=False)[:160]}) → {outcome}{fault}"


@dataclass(frozen=True)
class StoredFile:
    """A file the bot uploaded (or a size of a photo), with its bytes."""

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    kind: str
    filename: str
    mime_type: str
    width: int | None = None
    height: int | None = None

    def meta(self) -> dict[str, Any]:
        """The File JSON getFile answers."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.file_path,
        }


@dataclass
class _Poll:
    data: dict[str, Any]
    chat_id: int
    message_id: int
    votes: dict[int, list[int]] = field(default_factory=dict)


class Sandbox:
    """An offline Telegram for one bot: Bot API on one side, simulated users on the other.

    Group privacy mode is on by default, as for a new bot: in groups the bot receives only
    commands (not addressed to another bot), replies to its messages and service messages.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        bot_username: str = "seroi_demo_bot",
        bot_first_name: str = "SEROI+ demo",
        seed: int = 0,
        flood_mode: bool = False,
        group_privacy: bool = True,
        media_dir: str | Path | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        # Telegram's clock (Unix seconds): message dates, poll deadlines. Tests may move it.
        self._clock = clock
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._rng = random.Random(seed)
        if token is None:
            secret = "".join(self._rng.choices(string.ascii_letters + string.digits + "_-", k=35))
            token = f"{self._rng.randint(7_000_000_000, 7_999_999_999)}:{secret}"
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.group_privacy = group_privacy
        self.media_dir = Path(media_dir) if media_dir is not None else None
        self.faults = Faults(self._lock)
        self._flood = FloodControl() if flood_mode else None
        self._users: dict[int, SimUser] = {}
        self._chats: dict[int, dict[str, Any]] = {}
        self._members: dict[int, list[int]] = {}
        self._admins: dict[int, set[int]] = {}
        self._bot_status: dict[int, str] = {}
        self._messages: dict[int, list[dict[str, Any]]] = {}
        self._next_message_id: dict[int, int] = {}
        self._reply_keyboards: dict[int, dict[str, Any] | None] = {}
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = self._rng.randint(100_000_000, 900_000_000)
        self._allowed_updates: set[str] | None = None
        self._polling = False
        self._poll_epoch = 0
        self._poll_abandoned: Callable[[], bool] = lambda: False
        self._polls: dict[str, _Poll] = {}
        self._callback_queries: dict[str, dict[str, Any]] = {}
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._uploads: list[StoredFile] = []
        self._file_counter = 0
        self._commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self._outbox: list[ApiCall] = []
        self._unimplemented: list[ApiCall] = []
        self._transcript: list[str] = []
        self._listeners: list[Callable[[str], None]] = []
        self._version = 0
        self._methods: dict[str, Callable[[dict[str, Any], dict[str, Upload]], Any]] = {
            "getMe": self._api_get_me,
            "deleteWebhook": self._api_delete_webhook,
            "setMyCommands": self._api_set_my_commands,
            "getMyCommands": self._api_get_my_commands,
            "deleteMyCommands": self._api_delete_my_commands,
            "sendMessage": self._api_send_message,
            "editMessageText": self._api_edit_message_text,
            "editMessageReplyMarkup": self._api_edit_message_reply_markup,
            "answerCallbackQuery": self._api_answer_callback_query,
            "deleteMessage": self._api_delete_message,
            "sendChatAction": self._api_send_chat_action,
            "sendPoll": self._api_send_poll,
            "stopPoll": self._api_stop_poll,
            "sendPhoto": self._api_send_photo,
            "sendDocument": self._api_send_document,
            "sendMediaGroup": self._api_send_media_group,
            "getFile": self._api_get_file,
            "getChat": self._api_get_chat,
            "getChatMember": self._api_get_chat_member,
            "getChatAdministrators": self._api_get_chat_administrators,
        }
        self._canonical = {name.lower(): name for name in [*self._methods, "getUpdates"]}

    # ------------------------------------------------------------------ transports' entry

    def handle_api(
        self,
        token: str,
        method: str,
        fields: dict[str, Any],
        files: dict[str, Upload] | None = None,
        *,
        abandoned: Callable[[], bool] | None = None,
    ) -> Reply:
        """Answer one Bot API request as Telegram would; both transports call this."""
        files = files or {}
        if token != self.token:
            if _TOKEN_SHAPE.fullmatch(token):
                return error_reply(ApiError(401, "Unauthorized"))
            return error_reply(not_found())
        name = self._canonical.get(method.lower())
        try:
            params = decode_params(fields)
        except ApiError as error:
            self._record(name or method, dict(fields), files, error=error)
            return error_reply(error)
        if name is None:
            call = self._record(method, params, files, error=not_found())
            with self._lock:
                self._unimplemented.append(call)
            return error_reply(not_found())
        fault = self.faults.draw(name)
        if fault is not None and not (fault.kind == "timeout" and fault.options.get("happened")):
            error = fault.error(self.faults.retry_after)
            self._record(name, params, files, error=error, fault=fault.kind)
            delay = float(fault.options.get("delay", self.faults.timeout_delay))
            return error_reply(error, delay=delay if fault.kind == "timeout" else 0.0)
        try:
            if name == "getUpdates":
                result = self._get_updates(params, abandoned or (lambda: False))
            else:
                with self._lock:
                    self._check_flood(name, params)
                    result = self._methods[name](params, files)
        except ApiError as error:
            self._record(name, params, files, error=error)
            return error_reply(error)
        self._record(name, params, files, result=result, fault=fault and fault.kind)
        reply = ok_reply(result)
        if fault is not None:
            delay = float(fault.options.get("delay", self.faults.timeout_delay))
            return Reply(reply.status, reply.body, reply.content_type, delay)
        return reply

    def handle_file(self, token: str, file_path: str) -> Reply:
        """Serve /file/bot<token>/<file_path>: the stored bytes, or Telegram's 404."""
        with self._lock:
            stored = self._files_by_path.get(file_path) if token == self.token else None
        if stored is None:
            return error_reply(not_found())
        return Reply(200, stored.data, stored.mime_type)

    def interrupt_polls(self) -> None:
        """End every waiting long poll now (with no updates), e.g. when a server stops."""
        with self._lock:
            self._poll_epoch += 1
            self._touch()

    # ------------------------------------------------------------------ bookkeeping

    def _touch(self) -> None:
        self._version += 1
        self._changed.notify_all()

    def _record(
        self,
        method: str,
        params: dict[str, Any],
        files: dict[str, Upload],
        *,
        result: Any = None,
        error: ApiError | None = None,
        fault: str | None = None,
    ) -> ApiCall:
        shown = dict(params)
        for upload in files.values():
            shown[upload.field] = f"<upload {upload.filename}, {len(upload.data)} bytes>"
        call = ApiCall(
            method=method,
            params=shown,
            ok=error is None,
            result=result,
            error_code=error.error_code if error else None,
            description=error.description if error else None,
            at=time.time(),
            fault=fault,
        )
        with self._lock:
            self._outbox.append(call)
            if error is not None:
                self._say(f"bot ✗ {method} → {error.error_code} {error.description}")
            self._touch()
        return call

    def _say(self, line: str) -> None:
        self._transcript.append(line)
        for listener in list(self._listeners):
            listener(line)

    def _emit(self, kind: str, payload: dict[str, Any]) -> None:
        self._updates.append({"update_id": self._next_update_id, kind: copy.deepcopy(payload)})
        self._next_update_id += 1
        self._touch()

    def _now(self) -> int:
        return int(self._clock())

    def _random_digits(self, digits: int) -> int:
        return self._rng.randint(10 ** (digits - 1), 10**digits - 1)

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def _chat_label(self, chat_id: int) -> str:
        chat = self._chats.get(chat_id, {})
        return chat.get("title") or chat.get("first_name") or str(chat_id)

    # ------------------------------------------------------------------ getUpdates

    def _get_updates(self, params: dict[str, Any], abandoned: Callable[[], bool]) -> list[Any]:
        offset = params.get("offset")
        limit = max(1, min(100, int(params.get("limit") or 100)))
        timeout = max(0, int(params.get("timeout") or 0))
        with self._lock:
            if self._polling and self._poll_abandoned():
                # The waiting poll's client is gone (cancelled, disconnected): end it, as
                # Telegram does, instead of holding the slot until its timeout.
                self._poll_epoch += 1
                self._touch()
                self._changed.wait_for(lambda: not self._polling, timeout=1.0)
            if self._polling:
                raise ApiError(409, CONFLICT)
            self._polling = True
            self._poll_abandoned = abandoned
            self._touch()
            try:
                if "allowed_updates" in params:
                    allowed = params["allowed_updates"] or []
                    self._allowed_updates = set(allowed) if allowed else None
                self._confirm(offset)
                epoch = self._poll_epoch
                deadline = time.monotonic() + timeout
                while True:
                    self._close_expired_polls()
                    batch = self._deliverable(limit)
                    remaining = deadline - time.monotonic()
                    if batch or epoch != self._poll_epoch or abandoned() or remaining <= 0:
                        return batch
                    # Short slices so an abandoned poll (client gone) frees the slot quickly.
                    self._changed.wait(min(remaining, 0.2))
            finally:
                self._polling = False
                self._touch()

    def _confirm(self, offset: int | None) -> None:
        if offset is None:
            return
        if offset < 0:
            del self._updates[: max(0, len(self._updates) + offset)]
        else:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]

    def _deliverable(self, limit: int) -> list[dict[str, Any]]:
        def allowed(update: dict[str, Any]) -> bool:
            kind = next(k for k in update if k != "update_id")
            if self._allowed_updates is None:
                return kind not in _OPT_IN_UPDATES
            return kind in self._allowed_updates

        self._updates = [u for u in self._updates if allowed(u)]
        return copy.deepcopy(self._updates[:limit])

    # ------------------------------------------------------------------ shared checks

    def _check_flood(self, method: str, params: dict[str, Any]) -> None:
        if self._flood is None or method not in _SENDING_METHODS:
            return
        chat = self._chats.get(params.get("chat_id"))  # type: ignore[arg-type]
        if chat is not None:
            self._flood.check(chat["id"], chat["type"] != "private")

    def _chat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None and isinstance(chat_id, str):
            chat = next(
                (c for c in self._chats.values() if f"@{c.get('username')}" == chat_id), None
            )
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def _writable_chat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params)
        if chat["type"] == "private":
            user = self._users[chat["id"]]
            if user.blocked_bot:
                raise forbidden("bot was blocked by the user")
            if not user.started:
                raise forbidden("bot can't initiate conversation with a user")
        elif self._bot_status.get(chat["id"], "left") not in ("member", "administrator"):
            kind = "supergroup" if chat["type"] == "supergroup" else "group"
            raise forbidden(f"bot is not a member of the {kind} chat")
        return chat

    def _formatted(
        self,
        text: Any,
        parse_mode: Any,
        entities: Any,
        *,
        limit: int,
        too_long: str,
        required: bool,
    ) -> tuple[str, list[dict[str, Any]]]:
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

    def _inline_markup(self, chat_id: int, params: dict[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if not markup:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            if "keyboard" in markup:
                self._reply_keyboards[chat_id] = markup
            elif markup.get("remove_keyboard"):
                self._reply_keyboards[chat_id] = None
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

    def _reply_to(self, chat_id: int, params: dict[str, Any]) -> dict[str, Any] | None:
        reply = params.get("reply_parameters") or {}
        target = reply.get("message_id") or params.get("reply_to_message_id")
        if not target:
            return None
        original = self._find_message(chat_id, int(target))
        if original is None:
            if reply.get("allow_sending_without_reply") or params.get(
                "allow_sending_without_reply"
            ):
                return None
            raise bad_request("message to be replied not found")
        quoted = copy.deepcopy(original)
        quoted.pop("reply_to_message", None)
        return quoted

    def _find_message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        for message in self._messages.get(chat_id, []):
            if message["message_id"] == message_id:
                return message
        return None

    def _new_message(self, chat_id: int, sender: dict[str, Any], **content: Any) -> dict[str, Any]:
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        message = {
            "message_id": message_id,
            "from": sender,
            "chat": copy.deepcopy(self._chats[chat_id]),
            "date": self._now(),
            **{key: value for key, value in content.items() if value not in (None, [])},
        }
        self._messages.setdefault(chat_id, []).append(message)
        self._touch()
        return message

    def _bot_message(self, chat: dict[str, Any], params: dict[str, Any], **content: Any) -> Any:
        markup = self._inline_markup(chat["id"], params)
        reply_to = self._reply_to(chat["id"], params)
        message = self._new_message(
            chat["id"], self._bot_user(), reply_to_message=reply_to, **content
        )
        if markup:
            message["reply_markup"] = markup
        rendered = describe_message(message, self._filename)
        self._say(f"bot → {self._chat_label(chat['id'])}: {rendered}")
        return copy.deepcopy(message)

    def _filename(self, file_id: str) -> str:
        stored = self._files.get(file_id)
        return Path(stored.filename).name if stored else ""

    # ------------------------------------------------------------------ boot tier

    def _api_get_me(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": not self.group_privacy,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
            "has_topics_enabled": False,
            "allows_users_to_create_topics": False,
        }

    def _api_delete_webhook(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _commands_key(self, params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def _api_set_my_commands(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > MAX_COMMANDS:
            raise bad_request("BOT_COMMANDS_TOO_MUCH" if commands else "commands are empty")
        for command in commands:
            name = str(command.get("command", ""))
            if not 1 <= len(name) <= MAX_COMMAND_LENGTH or not _COMMAND_NAME.fullmatch(name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= MAX_COMMAND_DESCRIPTION:
                raise bad_request("command description must be non-empty")
        self._commands[self._commands_key(params)] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    def _api_get_my_commands(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        return copy.deepcopy(self._commands.get(self._commands_key(params), []))

    def _api_delete_my_commands(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        self._commands.pop(self._commands_key(params), None)
        return True

    # ------------------------------------------------------------------ conversation tier

    def _api_send_message(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        chat = self._writable_chat(params)
        text, entities = self._formatted(
            params.get("text"),
            params.get("parse_mode"),
            params.get("entities"),
            limit=MAX_TEXT_LENGTH,
            too_long="message is too long",
            required=True,
        )
        return self._bot_message(chat, params, text=text, entities=entities)

    def _editable(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("inline_message_id"):
            raise bad_request("inline messages are not supported by the sandbox")
        chat = self._chat(params)
        message = self._find_message(chat["id"], int(params.get("message_id") or 0))
        if message is None:
            raise bad_request("message to edit not found")
        if message["from"]["id"] != self.bot_id:
            raise bad_request("message can't be edited")
        return message

    def _api_edit_message_text(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        message = self._editable(params)
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        text, entities = self._formatted(
            params.get("text"),
            params.get("parse_mode"),
            params.get("entities"),
            limit=MAX_TEXT_LENGTH,
            too_long="MESSAGE_TOO_LONG",
            required=True,
        )
        markup = self._inline_markup(message["chat"]["id"], params)
        if (
            text == message["text"]
            and entities == message.get("entities", [])
            and markup == message.get("reply_markup")
        ):
            raise bad_request(NOT_MODIFIED)
        message["text"] = text
        _set_or_drop(message, "entities", entities)
        _set_or_drop(message, "reply_markup", markup)
        message["edit_date"] = self._now()
        self._touch()
        label = self._chat_label(message["chat"]["id"])
        self._say(f"bot ✎ {label} #{message['message_id']}: {describe_message(message)}")
        return copy.deepcopy(message)

    def _api_edit_message_reply_markup(
        self, params: dict[str, Any], files: dict[str, Upload]
    ) -> Any:
        message = self._editable(params)
        markup = self._inline_markup(message["chat"]["id"], params)
        if markup == message.get("reply_markup"):
            raise bad_request(NOT_MODIFIED)
        _set_or_drop(message, "reply_markup", markup)
        message["edit_date"] = self._now()
        self._touch()
        label = self._chat_label(message["chat"]["id"])
        self._say(f"bot ✎ {label} #{message['message_id']}: {describe_buttons(markup)}")
        return copy.deepcopy(message)

    def _api_answer_callback_query(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        query = self._callback_queries.get(str(params.get("callback_query_id")))
        if query is None or query["answered"]:
            raise bad_request(QUERY_TOO_OLD)
        text = params.get("text")
        if text and len(str(text)) > MAX_CALLBACK_ANSWER_LENGTH:
            raise bad_request("MESSAGE_TOO_LONG")
        query.update(answered=True, text=text, show_alert=bool(params.get("show_alert")))
        if text:
            self._say(f"bot ↩ {query['user_name']}: {text}")
        self._touch()
        return True

    def _api_delete_message(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        chat = self._chat(params)
        message = self._find_message(chat["id"], int(params.get("message_id") or 0))
        if message is None:
            raise bad_request("message to delete not found")
        own = message["from"]["id"] == self.bot_id
        if (
            not own
            and chat["type"] != "private"
            and self._bot_status.get(chat["id"]) != ("administrator")
        ):
            raise bad_request("message can't be deleted")
        self._messages[chat["id"]].remove(message)
        self._say(f"bot 🗑 {self._chat_label(chat['id'])} #{message['message_id']}")
        self._touch()
        return True

    def _api_send_chat_action(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        self._writable_chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    # ------------------------------------------------------------------ polls tier

    def _api_send_poll(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        chat = self._writable_chat(params)
        question = str(params.get("question") or "")
        if not 1 <= len(question) <= MAX_POLL_QUESTION_LENGTH:
            raise bad_request("POLL_QUESTION_INVALID" if question else "poll question is empty")
        raw_options = params.get("options") or []
        texts = [o.get("text", "") if isinstance(o, dict) else str(o) for o in raw_options]
        if not MIN_POLL_OPTIONS <= len(texts) <= MAX_POLL_OPTIONS:
            raise bad_request("POLL_OPTIONS_COUNT_INVALID" if texts else "poll options are empty")
        if any(not 1 <= len(text) <= MAX_POLL_OPTION_LENGTH for text in texts):
            raise bad_request("POLL_OPTION_INVALID")
        poll_type = params.get("type") or "regular"
        if poll_type not in ("regular", "quiz"):
            raise bad_request("poll type is invalid")
        open_period = params.get("open_period")
        if open_period is not None and not MIN_OPEN_PERIOD <= open_period <= MAX_OPEN_PERIOD:
            raise bad_request("POLL_OPEN_PERIOD_INVALID")
        poll: dict[str, Any] = {
            "id": str(self._random_digits(19)),
            "question": question,
            "options": [
                {"text": text, "voter_count": 0, "persistent_id": str(index)}
                for index, text in enumerate(texts)
            ],
            "total_voter_count": 0,
            "is_closed": bool(params.get("is_closed")),
            "is_anonymous": params.get("is_anonymous", True) is not False,
            "type": poll_type,
            "allows_multiple_answers": bool(params.get("allows_multiple_answers")),
            "allows_revoting": params.get("allows_revoting", poll_type == "regular") is True,
            "members_only": bool(params.get("members_only")),
        }
        if poll_type == "quiz":
            correct = params.get("correct_option_ids")
            if correct is None and params.get("correct_option_id") is not None:
                correct = [params["correct_option_id"]]
            if not correct or any(not 0 <= i < len(texts) for i in correct):
                raise bad_request("QUIZ_CORRECT_ANSWERS_EMPTY")
            poll["correct_option_ids"] = list(correct)
        if open_period is not None:
            poll["open_period"] = open_period
            poll["close_date"] = self._now() + open_period
        elif params.get("close_date") is not None:
            poll["close_date"] = int(params["close_date"])
        message = self._bot_message(chat, params, poll=poll)
        self._polls[poll["id"]] = _Poll(poll, chat["id"], message["message_id"])
        self._sync_poll_message(self._polls[poll["id"]])
        return message

    def _sync_poll_message(self, state: _Poll) -> None:
        message = self._find_message(state.chat_id, state.message_id)
        if message is not None:
            message["poll"] = copy.deepcopy(state.data)

    def _close_expired_polls(self) -> None:
        """Close the polls whose open_period or close_date has passed, as Telegram does."""
        now = self._now()
        for state in self._polls.values():
            close_date = state.data.get("close_date")
            if state.data["is_closed"] or close_date is None or now < close_date:
                continue
            state.data["is_closed"] = True
            self._sync_poll_message(state)
            self._emit("poll", state.data)
            self._say(f"■ poll “{state.data['question']}” closed at its deadline")

    def _api_stop_poll(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        chat = self._chat(params)
        message = self._find_message(chat["id"], int(params.get("message_id") or 0))
        if message is None or "poll" not in message or message["from"]["id"] != self.bot_id:
            raise bad_request("message with poll to stop not found")
        state = self._polls[message["poll"]["id"]]
        if state.data["is_closed"]:
            raise bad_request("poll has already been closed")
        state.data["is_closed"] = True
        markup = self._inline_markup(chat["id"], params)
        if "reply_markup" in params:
            _set_or_drop(message, "reply_markup", markup)
        self._sync_poll_message(state)
        self._emit("poll", state.data)
        self._say(f"bot ■ closed poll “{state.data['question']}” {describe_counts(state.data)}")
        return copy.deepcopy(state.data)

    # ------------------------------------------------------------------ media tier

    def _next_file_ids(self, prefix: str) -> tuple[str, str]:
        self._file_counter += 1
        tail = "".join(self._rng.choices(string.ascii_letters + string.digits + "_-", k=40))
        unique = "".join(self._rng.choices(string.ascii_letters + string.digits, k=12))
        return f"{prefix}{self._file_counter:04d}{tail}", f"AQAD{unique}"

    def _store(self, upload: Upload, kind: str, chat_id: int, **size: int) -> StoredFile:
        prefix = "AgACAgIAAxkBAA" if kind == "photo" else "BQACAgIAAxkBAA"
        file_id, unique_id = self._next_file_ids(prefix)
        suffix = Path(upload.filename).suffix or (".jpg" if kind == "photo" else "")
        folder = "photos" if kind == "photo" else "documents"
        stored = StoredFile(
            file_id=file_id,
            file_unique_id=unique_id,
            file_path=f"{folder}/file_{self._file_counter}{suffix}",
            data=upload.data,
            kind=kind,
            filename=upload.filename,
            mime_type=upload.content_type,
            **size,
        )
        self._files[file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def _keep_upload(self, stored: StoredFile, chat_id: int) -> None:
        self._uploads.append(stored)
        if self.media_dir is not None:
            self._write_media(self.media_dir, len(self._uploads), stored, chat_id)

    def _write_media(self, folder: Path, number: int, stored: StoredFile, chat_id: int) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        label = re.sub(r"[^A-Za-z0-9_-]+", "-", self._chat_label(chat_id)).strip("-")
        path = folder / f"{number:03d}-{label}-{Path(stored.filename).name}"
        path.write_bytes(stored.data)
        return path

    def _input_file(self, value: Any, files: dict[str, Upload], field: str) -> Upload | str:
        if isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value.removeprefix("attach://"))
            if upload is None:
                raise bad_request(f"file for {field} not found in the request")
            return upload
        if value:
            return str(value)
        if field in files:
            return files[field]
        raise bad_request(f"there is no {field} in the request")

    def _photo_sizes(self, source: Upload | str, chat_id: int) -> list[dict[str, Any]]:
        if isinstance(source, str):
            return self._sizes_for_file_id(source)
        if len(source.data) > MAX_PHOTO_BYTES:
            raise bad_request("PHOTO_INVALID_DIMENSIONS")
        dimensions = image_size(source.data)
        if dimensions is None:
            raise bad_request("IMAGE_PROCESS_FAILED")
        sizes = []
        ladder = photo_ladder(*dimensions)
        for width, height in ladder:
            stored = self._store(source, "photo", chat_id, width=width, height=height)
            sizes.append(self._photo_size(stored))
        self._keep_upload(self._files[sizes[-1]["file_id"]], chat_id)
        return sizes

    @staticmethod
    def _photo_size(stored: StoredFile) -> dict[str, Any]:
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "width": stored.width,
            "height": stored.height,
        }

    def _sizes_for_file_id(self, file_id: str) -> list[dict[str, Any]]:
        if file_id.startswith(("http://", "https://")):
            raise bad_request("failed to get HTTP URL content")  # no internet here
        stored = self._files.get(file_id)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if stored.kind != "photo":
            raise bad_request(f"can't use file of type {stored.kind.title()} as Photo")
        for messages in self._messages.values():
            for message in messages:
                photo = message.get("photo") or []
                if any(size["file_id"] == file_id for size in photo):
                    return copy.deepcopy(photo)
        raise bad_request("wrong file identifier/HTTP URL specified")

    def _document(self, source: Upload | str, chat_id: int) -> dict[str, Any]:
        if isinstance(source, str):
            stored = self._files.get(source)
            if stored is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
        else:
            if len(source.data) > MAX_UPLOAD_BYTES:
                raise ApiError(413, "Request Entity Too Large")
            stored = self._store(source, "document", chat_id)
            self._keep_upload(stored, chat_id)
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": Path(stored.filename).name,
            "mime_type": stored.mime_type,
            "file_size": len(stored.data),
        }

    def _caption(self, params: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        return self._formatted(
            params.get("caption"),
            params.get("parse_mode"),
            params.get("caption_entities"),
            limit=MAX_CAPTION_LENGTH,
            too_long="message caption is too long",
            required=False,
        )

    def _api_send_photo(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        chat = self._writable_chat(params)
        caption, entities = self._caption(params)
        sizes = self._photo_sizes(self._input_file(params.get("photo"), files, "photo"), chat["id"])
        return self._bot_message(
            chat, params, photo=sizes, caption=caption or None, caption_entities=entities
        )

    def _api_send_document(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        chat = self._writable_chat(params)
        caption, entities = self._caption(params)
        source = self._input_file(params.get("document"), files, "document")
        document = self._document(source, chat["id"])
        return self._bot_message(
            chat, params, document=document, caption=caption or None, caption_entities=entities
        )

    def _api_send_media_group(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        chat = self._writable_chat(params)
        media = params.get("media")
        if not isinstance(media, list) or not MIN_MEDIA_GROUP <= len(media) <= MAX_MEDIA_GROUP:
            raise bad_request("wrong number of media in the album")
        kinds = {item.get("type") for item in media}
        if not kinds <= {"photo", "document"} or len(kinds) > 1:
            raise bad_request("the sandbox supports albums of photos or of documents only")
        group_id = str(self._random_digits(17))
        prepared = []
        for item in media:
            caption, entities = self._caption(item)
            source = self._input_file(item.get("media"), files, "media")
            if item["type"] == "photo":
                content: dict[str, Any] = {"photo": self._photo_sizes(source, chat["id"])}
            else:
                content = {"document": self._document(source, chat["id"])}
            prepared.append((content, caption, entities))
        return [
            self._bot_message(
                chat,
                params if index == 0 else {},
                media_group_id=group_id,
                caption=caption or None,
                caption_entities=entities,
                **content,
            )
            for index, (content, caption, entities) in enumerate(prepared)
        ]

    def _api_get_file(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        stored = self._files.get(str(params.get("file_id")))
        if stored is None:
            raise bad_request("invalid file_id")
        if len(stored.data) > MAX_DOWNLOAD_BYTES:
            raise bad_request("file is too big")
        return stored.meta()

    # ------------------------------------------------------------------ groups tier

    def _api_get_chat(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        chat = self._chat(params)
        private = chat["type"] == "private"
        return {
            **copy.deepcopy(chat),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": private,
                "limited_gifts": private,
                "unique_gifts": private,
                "premium_subscription": private,
                "gifts_from_channels": private,
            },
        }

    def _member(self, chat_id: int, user_id: int) -> dict[str, Any]:
        if user_id == self.bot_id:
            status = self._bot_status.get(chat_id, "left")
            if self._chats[chat_id]["type"] == "private":
                status = "member"
            return _member_dict(self._bot_user(), status)
        user = self._users.get(user_id)
        if user is None:
            raise bad_request("user not found")
        chat = self._chats[chat_id]
        if chat["type"] == "private":
            status = "member" if chat_id == user_id else "left"
        elif user_id == self._members[chat_id][0]:
            status = "creator"
        elif user_id in self._admins[chat_id]:
            status = "administrator"
        else:
            status = "member" if user_id in self._members[chat_id] else "left"
        return _member_dict(user.to_dict(), status)

    def _api_get_chat_member(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        chat = self._chat(params)
        return self._member(chat["id"], int(params.get("user_id") or 0))

    def _api_get_chat_administrators(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        chat = self._chat(params)
        if chat["type"] == "private":
            raise bad_request("there are no administrators in the private chat")
        ids = [self._members[chat["id"]][0], *sorted(self._admins[chat["id"]])]
        if self._bot_status.get(chat["id"]) == "administrator":
            ids.append(self.bot_id)
        return [self._member(chat["id"], user_id) for user_id in ids]

    # ------------------------------------------------------------------ control: people

    def add_user(
        self,
        first_name: str,
        *,
        language_code: str = "en",
        last_name: str | None = None,
        username: str | None = None,
    ) -> SimUser:
        """Create a Telegram user (10-digit id drawn from the seed) with a private chat."""
        with self._lock:
            user_id = self._random_digits(10)
            while user_id in self._users:
                user_id = self._random_digits(10)
            user = SimUser(user_id, first_name, last_name, username, language_code)
            self._users[user_id] = user
            chat: dict[str, Any] = {"id": user_id, "type": "private", "first_name": first_name}
            if last_name:
                chat["last_name"] = last_name
            if username:
                chat["username"] = username
            self._chats[user_id] = chat
            return user

    def user(self, user_id: int) -> SimUser:
        """The simulated user with this id."""
        with self._lock:
            return self._users[user_id]

    def _chat_of(self, user: SimUser, chat: dict[str, Any] | int | None) -> dict[str, Any]:
        chat_id = user.id if chat is None else chat if isinstance(chat, int) else chat["id"]
        found = self._chats.get(chat_id)
        if found is None:
            raise SandboxError(f"no chat {chat_id}")
        if found["type"] != "private" and user.id not in self._members[chat_id]:
            raise SandboxError(f"{user.first_name} is not a member of {found['title']}")
        if found["type"] == "private" and chat_id != user.id:
            raise SandboxError(f"{user.first_name} cannot see another user's private chat")
        return found

    def _delivered_in_group(self, chat_id: int, message: dict[str, Any]) -> bool:
        if self._bot_status.get(chat_id, "left") not in ("member", "administrator"):
            return False
        if not self.group_privacy:
            return True
        addressed = self._command_addressee(message)
        if addressed is not None:
            return addressed in ("", self.bot_username)
        replied = message.get("reply_to_message", {}).get("from", {})
        return replied.get("id") == self.bot_id

    @staticmethod
    def _command_addressee(message: dict[str, Any]) -> str | None:
        """The bot a message's leading command names ("" for none), or None if no command."""
        body = message.get("text", message.get("caption", ""))
        entities = message.get("entities", message.get("caption_entities", []))
        first = entities[0] if entities else None
        if first is None or first["type"] != "bot_command" or first["offset"] != 0:
            return None
        # A leading command is ASCII only, so UTF-16 units and str indices agree here.
        return body[: first["length"]].partition("@")[2]

    def send_text(
        self,
        user: SimUser,
        text: str,
        *,
        chat: dict[str, Any] | int | None = None,
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        """The user writes text (private chat by default); returns the Message dict."""
        with self._lock:
            return self._user_message(
                user, chat, reply_to, text, text=text, entities=command_entities(text)
            )

    def send_photo(
        self,
        user: SimUser,
        image: bytes,
        *,
        caption: str | None = None,
        chat: dict[str, Any] | int | None = None,
        reply_to: int | None = None,
        filename: str = "photo.jpg",
    ) -> dict[str, Any]:
        """The user sends a photo (PNG, JPEG or GIF bytes), with commands marked in its caption."""
        with self._lock:
            target = self._chat_of(user, chat)
            dimensions = image_size(image)
            if dimensions is None:
                raise SandboxError("not a PNG, JPEG or GIF image")
            upload = Upload("photo", filename, "image/jpeg", image)
            sizes = [
                self._photo_size(self._store(upload, "photo", target["id"], width=w, height=h))
                for w, h in photo_ladder(*dimensions)
            ]
            shown = f"[photo {dimensions[0]}×{dimensions[1]}] {caption or ''}".rstrip()
            return self._user_message(
                user,
                chat,
                reply_to,
                shown,
                photo=sizes,
                caption=caption,
                caption_entities=command_entities(caption or ""),
            )

    def _user_message(
        self,
        user: SimUser,
        chat: dict[str, Any] | int | None,
        reply_to: int | None,
        shown: str,
        **content: Any,
    ) -> dict[str, Any]:
        target = self._chat_of(user, chat)
        private = target["type"] == "private"
        if private and user.blocked_bot:
            raise SandboxError(f"{user.first_name} has blocked the bot; unblock_bot first")
        if private:
            user.started = True
        quoted = None
        if reply_to is not None:
            original = self._find_message(target["id"], reply_to)
            if original is None:
                raise SandboxError(f"no message {reply_to} in {self._chat_label(target['id'])}")
            quoted = copy.deepcopy(original)
            quoted.pop("reply_to_message", None)
        message = self._new_message(
            target["id"], user.to_dict(), reply_to_message=quoted, **content
        )
        where = "bot" if private else target["title"]
        self._say(f"{user.first_name} → {where}: {shown}")
        if private or self._delivered_in_group(target["id"], message):
            self._emit("message", message)
        return copy.deepcopy(message)

    def command(
        self,
        user: SimUser,
        name: str,
        payload: str | None = None,
        *,
        chat: dict[str, Any] | int | None = None,
    ) -> dict[str, Any]:
        """The user sends /name [payload]; in groups as /name@botname, as Telegram's apps do."""
        with self._lock:
            target = self._chat_of(user, chat)
            suffix = "" if target["type"] == "private" else f"@{self.bot_username}"
        text = f"/{name.lstrip('/')}{suffix}" + (f" {payload}" if payload else "")
        return self.send_text(user, text, chat=chat)

    def edit_text(
        self,
        user: SimUser,
        message_id: int,
        text: str,
        *,
        chat: dict[str, Any] | int | None = None,
    ) -> dict[str, Any]:
        """The user edits their own message (a photo's caption): the bot gets edited_message.

        Commands are marked in the new text as in a new message.
        """
        with self._lock:
            target = self._chat_of(user, chat)
            message = self._find_message(target["id"], message_id)
            if message is None or message["from"]["id"] != user.id:
                raise SandboxError(f"{user.first_name} has no message {message_id} there")
            field, entities_field = ("text", "entities")
            if "text" not in message:
                field, entities_field = ("caption", "caption_entities")
            _set_or_drop(message, field, text)
            _set_or_drop(message, entities_field, command_entities(text))
            message["edit_date"] = self._now()
            self._say(f"{user.first_name} ✎ #{message_id}: {text}")
            if target["type"] == "private" or self._delivered_in_group(target["id"], message):
                self._emit("edited_message", message)
            return copy.deepcopy(message)

    def press_button(
        self,
        user: SimUser,
        message_or_id: dict[str, Any] | int,
        data: str | None = None,
        *,
        text: str | None = None,
        chat: dict[str, Any] | int | None = None,
    ) -> dict[str, Any]:
        """Press an inline button (found by callback_data or text); returns the CallbackQuery."""
        with self._lock:
            message = self._message_for(user, message_or_id, chat)
            rows = message.get("reply_markup", {}).get("inline_keyboard", [])
            for button in (b for row in rows for b in row):
                if "callback_data" not in button:
                    continue
                if (data is not None and button["callback_data"] == data) or (
                    data is None and text is not None and button["text"] == text
                ):
                    return self._callback(user, message, button["callback_data"], button["text"])
            wanted = data if data is not None else text
            shown = describe_buttons(message.get("reply_markup"))
            raise SandboxError(f"no button {wanted!r} on message {message['message_id']}: {shown}")

    def press_raw(
        self,
        user: SimUser,
        message_id: int,
        data: str,
        *,
        chat: dict[str, Any] | int | None = None,
    ) -> dict[str, Any]:
        """Send a callback query with any data, as a forged or stale client could."""
        with self._lock:
            message = self._message_for(user, message_id, chat)
            return self._callback(user, message, data, "<raw>")

    def _message_for(
        self, user: SimUser, message_or_id: dict[str, Any] | int, chat: dict[str, Any] | int | None
    ) -> dict[str, Any]:
        if isinstance(message_or_id, dict):
            chat = message_or_id["chat"]["id"] if chat is None else chat
            message_id = message_or_id["message_id"]
        else:
            message_id = message_or_id
        target = self._chat_of(user, chat)
        message = self._find_message(target["id"], message_id)
        if message is None:
            raise SandboxError(f"no message {message_id} in {self._chat_label(target['id'])}")
        return message

    def _callback(
        self, user: SimUser, message: dict[str, Any], data: str, label: str
    ) -> dict[str, Any]:
        chat_id = message["chat"]["id"]
        query = {
            "id": str(self._random_digits(19)),
            "from": user.to_dict(),
            "message": copy.deepcopy(message),
            "chat_instance": str(-(abs(chat_id * 7919 + self.bot_id) % 10**19)),
            "data": data,
        }
        self._callback_queries[query["id"]] = {
            "answered": False,
            "user_name": user.first_name,
            "data": data,
        }
        self._say(f"{user.first_name} pressed [{label}] ({data})")
        self._emit("callback_query", query)
        return copy.deepcopy(query)

    def callback_answer(self, query_id: str) -> dict[str, Any] | None:
        """How the bot answered a callback query (answered, text, show_alert), if known."""
        with self._lock:
            query = self._callback_queries.get(query_id)
            return dict(query) if query else None

    def vote(self, user: SimUser, poll_id: str, option_ids: Iterable[int]) -> None:
        """The user votes; emits poll_answer (non-anonymous polls) and a poll update."""
        chosen = sorted(set(option_ids))
        with self._lock:
            state = self._open_poll(user, poll_id)
            if not chosen:
                raise SandboxError("a vote needs at least one option; use retract_vote")
            if len(chosen) > 1 and not state.data["allows_multiple_answers"]:
                raise SandboxError("this poll allows one answer only")
            if any(not 0 <= i < len(state.data["options"]) for i in chosen):
                raise SandboxError(f"no such option in {chosen}")
            if state.votes.get(user.id) and not state.data["allows_revoting"]:
                raise SandboxError("this poll does not allow changing a vote")
            self._set_vote(user, state, chosen)
            names = ", ".join(state.data["options"][i]["text"] for i in chosen)
            self._say(f"{user.first_name} voted [{names}] in “{state.data['question']}”")

    def retract_vote(self, user: SimUser, poll_id: str) -> None:
        """The user takes their vote back; poll_answer carries empty option_ids."""
        with self._lock:
            state = self._open_poll(user, poll_id)
            if not state.votes.get(user.id):
                raise SandboxError(f"{user.first_name} has not voted")
            if not state.data["allows_revoting"]:
                raise SandboxError("this poll does not allow retracting a vote")
            self._set_vote(user, state, [])
            self._say(f"{user.first_name} retracted their vote in “{state.data['question']}”")

    def _open_poll(self, user: SimUser, poll_id: str) -> _Poll:
        state = self._polls.get(poll_id)
        if state is None:
            raise SandboxError(f"no poll {poll_id}")
        self._chat_of(user, state.chat_id)
        self._close_expired_polls()
        if state.data["is_closed"]:
            raise SandboxError("the poll is closed")
        return state

    def _set_vote(self, user: SimUser, state: _Poll, chosen: list[int]) -> None:
        if chosen:
            state.votes[user.id] = chosen
        else:
            state.votes.pop(user.id, None)
        for index, option in enumerate(state.data["options"]):
            option["voter_count"] = sum(index in votes for votes in state.votes.values())
        state.data["total_voter_count"] = len(state.votes)
        self._sync_poll_message(state)
        if not state.data["is_anonymous"]:
            options = state.data["options"]
            self._emit(
                "poll_answer",
                {
                    "poll_id": state.data["id"],
                    "user": user.to_dict(),
                    "option_ids": chosen,
                    "option_persistent_ids": [options[i]["persistent_id"] for i in chosen],
                },
            )
        self._emit("poll", state.data)

    def poll(self, poll_id: str) -> dict[str, Any]:
        """The current Poll JSON."""
        with self._lock:
            self._close_expired_polls()
            return copy.deepcopy(self._polls[poll_id].data)

    # ------------------------------------------------------------------ control: groups

    def create_group(
        self,
        title: str,
        members: Iterable[SimUser],
        *,
        supergroup: bool = False,
        admins: Iterable[SimUser] = (),
    ) -> dict[str, Any]:
        """Create a group whose first member is its creator; the bot is not in it yet."""
        with self._lock:
            if supergroup:
                chat_id = -(10**12 + self._random_digits(10))
                chat = {"id": chat_id, "type": "supergroup", "title": title}
            else:
                chat_id = -self._random_digits(10)
                chat = {"id": chat_id, "type": "group", "title": title}
            self._chats[chat_id] = chat
            self._members[chat_id] = [user.id for user in members]
            if not self._members[chat_id]:
                raise SandboxError("a group needs at least its creator")
            self._admins[chat_id] = {user.id for user in admins}
            return copy.deepcopy(chat)

    def _group(self, chat: dict[str, Any] | int) -> dict[str, Any]:
        chat_id = chat if isinstance(chat, int) else chat["id"]
        found = self._chats.get(chat_id)
        if found is None or found["type"] == "private":
            raise SandboxError(f"no group {chat_id}")
        return found

    def add_bot_to_group(self, chat: dict[str, Any] | int, by_user: SimUser) -> None:
        """A member adds the bot: my_chat_member (left → member) plus the service message."""
        with self._lock:
            group = self._group(chat)
            self._chat_of(by_user, group["id"])
            old = self._bot_status.get(group["id"], "left")
            self._bot_status[group["id"]] = "member"
            self._emit_my_chat_member(group["id"], by_user, old, "member")
            message = self._new_message(
                group["id"], by_user.to_dict(), new_chat_members=[self._bot_user()]
            )
            self._emit("message", message)
            self._say(f"{by_user.first_name} added the bot to {group['title']}")

    def remove_bot_from_group(self, chat: dict[str, Any] | int, by_user: SimUser) -> None:
        """A member removes the bot: my_chat_member (member → kicked)."""
        with self._lock:
            group = self._group(chat)
            old = self._bot_status.get(group["id"], "left")
            self._bot_status[group["id"]] = "kicked"
            self._emit_my_chat_member(group["id"], by_user, old, "kicked")
            self._say(f"{by_user.first_name} removed the bot from {group['title']}")

    def promote_bot(self, chat: dict[str, Any] | int) -> None:
        """Make the bot an administrator of a group it is in (it may then delete messages)."""
        with self._lock:
            group = self._group(chat)
            creator = self._users[self._members[group["id"]][0]]
            old = self._bot_status.get(group["id"], "left")
            self._bot_status[group["id"]] = "administrator"
            self._emit_my_chat_member(group["id"], creator, old, "administrator")

    def join_group(self, user: SimUser, chat: dict[str, Any] | int) -> dict[str, Any]:
        """The user joins a group; the service message reaches the bot if it is there."""
        with self._lock:
            group = self._group(chat)
            if user.id not in self._members[group["id"]]:
                self._members[group["id"]].append(user.id)
            message = self._new_message(
                group["id"], user.to_dict(), new_chat_members=[user.to_dict()]
            )
            if self._bot_status.get(group["id"]) in ("member", "administrator"):
                self._emit("message", message)
            self._say(f"{user.first_name} joined {group['title']}")
            return copy.deepcopy(message)

    def _emit_my_chat_member(self, chat_id: int, by_user: SimUser, old: str, new: str) -> None:
        self._emit(
            "my_chat_member",
            {
                "chat": copy.deepcopy(self._chats[chat_id]),
                "from": by_user.to_dict(),
                "date": self._now(),
                "old_chat_member": _member_dict(self._bot_user(), old),
                "new_chat_member": _member_dict(self._bot_user(), new),
            },
        )

    def block_bot(self, user: SimUser) -> None:
        """The user blocks the bot: my_chat_member (member → kicked); sends then get 403."""
        with self._lock:
            user.blocked_bot = True
            self._emit_my_chat_member(user.id, user, "member", "kicked")
            self._say(f"{user.first_name} blocked the bot")

    def unblock_bot(self, user: SimUser) -> None:
        """The user unblocks the bot: my_chat_member (kicked → member)."""
        with self._lock:
            user.blocked_bot = False
            self._emit_my_chat_member(user.id, user, "kicked", "member")
            self._say(f"{user.first_name} unblocked the bot")

    # ------------------------------------------------------------------ control: reading

    @property
    def outbox(self) -> list[ApiCall]:
        """Every Bot API call the bot made, oldest first."""
        with self._lock:
            return list(self._outbox)

    def calls(self, method: str) -> list[ApiCall]:
        """The outbox entries for one method."""
        with self._lock:
            return [call for call in self._outbox if call.method == method]

    @property
    def is_polling(self) -> bool:
        """Whether a getUpdates long poll is waiting right now."""
        with self._lock:
            return self._polling

    @property
    def unimplemented_calls(self) -> list[ApiCall]:
        """Calls of methods the sandbox does not implement (answered 404)."""
        with self._lock:
            return list(self._unimplemented)

    def messages_in(self, chat_id: int) -> list[dict[str, Any]]:
        """Bot and user messages in a chat, in order (deleted ones gone)."""
        with self._lock:
            return copy.deepcopy(self._messages.get(chat_id, []))

    def bot_messages(self, chat_id: int) -> list[dict[str, Any]]:
        """The bot's messages in a chat, in order."""
        return [m for m in self.messages_in(chat_id) if m["from"]["id"] == self.bot_id]

    def last_bot_message(self, chat_id: int) -> dict[str, Any] | None:
        """The bot's latest message in a chat, or None."""
        messages = self.bot_messages(chat_id)
        return messages[-1] if messages else None

    def reply_keyboard(self, chat_id: int) -> dict[str, Any] | None:
        """The reply keyboard the bot last showed in a chat (None if removed or never shown)."""
        with self._lock:
            return copy.deepcopy(self._reply_keyboards.get(chat_id))

    @property
    def files(self) -> list[StoredFile]:
        """Every photo and document the bot uploaded, in order (a photo's largest size)."""
        with self._lock:
            return list(self._uploads)

    def file(self, file_id: str) -> StoredFile:
        """A stored file by any of its file_ids."""
        with self._lock:
            return self._files[file_id]

    def save_media(self, folder: str | Path) -> list[Path]:
        """Write every uploaded photo and document to folder with readable names."""
        with self._lock:
            chats = {}
            for chat_id, messages in self._messages.items():
                for message in messages:
                    for size in message.get("photo", [])[-1:]:
                        chats[size["file_id"]] = chat_id
                    if "document" in message:
                        chats[message["document"]["file_id"]] = chat_id
            return [
                self._write_media(Path(folder), number, stored, chats.get(stored.file_id, 0))
                for number, stored in enumerate(self._uploads, start=1)
            ]

    def commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, str]]:
        """The command list set for exactly this scope and language."""
        with self._lock:
            key = self._commands_key({"scope": scope, "language_code": language_code})
            return copy.deepcopy(self._commands.get(key, []))

    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates queued and not yet confirmed by the bot."""
        with self._lock:
            return copy.deepcopy(self._updates)

    @property
    def transcript(self) -> list[str]:
        """Readable lines of everything that happened, oldest first."""
        with self._lock:
            return list(self._transcript)

    def on_transcript(self, listener: Callable[[str], None]) -> None:
        """Call listener with each new transcript line (keep it quick: it runs under the lock)."""
        with self._lock:
            self._listeners.append(listener)

    # ------------------------------------------------------------------ control: waiting

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Block until predicate() is truthy and return its value; WaitTimeout after timeout."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                value = predicate()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise self._timeout_error(predicate, timeout)
                self._changed.wait(remaining)

    # The brief's API names the deadline `timeout` in both the sync and async waits.
    async def wait_for_async(
        self,
        predicate: Callable[[], Any],
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> Any:
        """wait_for for async tests: the event loop keeps running while waiting."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                value = predicate()
                version = self._version
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self._timeout_error(predicate, timeout)
            await asyncio.to_thread(self._wait_change, version, min(remaining, 0.2))

    def _wait_change(self, version: int, timeout: float) -> None:
        with self._lock:
            self._changed.wait_for(lambda: self._version != version, timeout)

    def wait_for_bot_message(
        self, chat_id: int, after_count: int | None = None, timeout: float = 5.0
    ) -> dict[str, Any]:
        """Wait for the bot's message number after_count+1 in a chat (default: the next one)."""
        count = len(self.bot_messages(chat_id)) if after_count is None else after_count
        return self.wait_for(lambda: self._bot_message_after(chat_id, count), timeout)

    async def wait_for_bot_message_async(
        self,
        chat_id: int,
        after_count: int | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> dict[str, Any]:
        """wait_for_bot_message for async tests."""
        count = len(self.bot_messages(chat_id)) if after_count is None else after_count
        return await self.wait_for_async(lambda: self._bot_message_after(chat_id, count), timeout)

    def _bot_message_after(self, chat_id: int, count: int) -> dict[str, Any] | None:
        messages = self.bot_messages(chat_id)
        return messages[count] if len(messages) > count else None

    def wait_for_call(
        self, method: str, *, after_count: int | None = None, timeout: float = 5.0
    ) -> ApiCall:
        """Wait for the bot's next call of method (or number after_count+1) and return it."""
        count = len(self.calls(method)) if after_count is None else after_count

        def nth_call() -> ApiCall | None:
            calls = self.calls(method)
            return calls[count] if len(calls) > count else None

        return self.wait_for(nth_call, timeout)

    def _timeout_error(self, predicate: Callable[[], Any], timeout: float) -> WaitTimeout:
        recent = [c for c in self.outbox if c.method != "getUpdates" or not c.ok]
        lines = [call.line() for call in recent[-_OUTBOX_SHOWN_ON_TIMEOUT:]] or ["(none)"]
        transcript = self.transcript[-_OUTBOX_SHOWN_ON_TIMEOUT:] or ["(empty)"]
        name = getattr(predicate, "__qualname__", repr(predicate))
        return WaitTimeout(
            f"condition {name} not met within {timeout} s\n"
            "recent Bot API calls:\n  " + "\n  ".join(lines) + "\n"
            "recent transcript:\n  " + "\n  ".join(transcript) + "\n"
            f"pending updates: {len(self._updates)}"
        )


def _set_or_drop(target: dict[str, Any], key: str, value: Any) -> None:
    if value:
        target[key] = value
    else:
        target.pop(key, None)


def _member_dict(user: dict[str, Any], status: str) -> dict[str, Any]:
    member: dict[str, Any] = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(
            can_be_edited=False,
            is_anonymous=False,
            can_manage_chat=True,
            can_delete_messages=True,
            can_manage_video_chats=True,
            can_restrict_members=True,
            can_promote_members=False,
            can_change_info=True,
            can_invite_users=True,
            can_post_stories=False,
            can_edit_stories=False,
            can_delete_stories=False,
            can_pin_messages=True,
        )
    elif status == "kicked":
        member["until_date"] = 0
    return member


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
    """A one-line, readable rendering of a message for the transcript."""
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
        flat = body.replace("\n", " ⏎ ")
        parts.append(flat if utf16_len(flat) <= 300 else flat[:297] + "…")
    if message.get("reply_markup"):
        parts.append(describe_buttons(message["reply_markup"]))
    return " ".join(parts)
