"""What the offline Telegram knows: users, chats, messages, polls, files, the update queue,
the outbox — and the bookkeeping every part does on it (record a call, emit an update,
say a transcript line, number a message).

One re-entrant lock guards it all; its condition wakes whoever waits for a change.
"""

from __future__ import annotations

import copy
import json
import random
import string
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox.errors import ApiError
from sandbox.wire import Upload


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
class PollState:
    """A poll the bot sent: its Poll JSON, where it was sent, and who voted what."""

    data: dict[str, Any]
    chat_id: int
    message_id: int
    votes: dict[int, list[int]] = field(default_factory=dict)


class SandboxState:
    """The data of one offline Telegram for one bot, shared by the tiers and the control."""

    def __init__(
        self,
        *,
        token: str | None,
        bot_username: str,
        bot_first_name: str,
        seed: int,
        group_privacy: bool,
        media_dir: str | Path | None,
        clock: Callable[[], float],
    ) -> None:
        # Telegram's clock (Unix seconds): message dates, poll deadlines. Tests may move it.
        self.clock = clock
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.rng = random.Random(seed)
        if token is None:
            secret = "".join(self.rng.choices(string.ascii_letters + string.digits + "_-", k=35))
            token = f"{self.rng.randint(7_000_000_000, 7_999_999_999)}:{secret}"
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.group_privacy = group_privacy
        self.media_dir = Path(media_dir) if media_dir is not None else None
        self.users: dict[int, SimUser] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self.members: dict[int, list[int]] = {}
        self.admins: dict[int, set[int]] = {}
        self.bot_status: dict[int, str] = {}
        self.messages: dict[int, list[dict[str, Any]]] = {}
        self.next_message_id: dict[int, int] = {}
        self.reply_keyboards: dict[int, dict[str, Any] | None] = {}
        self.updates: list[dict[str, Any]] = []
        self.next_update_id = self.rng.randint(100_000_000, 900_000_000)
        self.allowed_updates: set[str] | None = None
        self.polling = False
        self.poll_epoch = 0
        self.poll_abandoned: Callable[[], bool] = lambda: False
        self.polls: dict[str, PollState] = {}
        self.callback_queries: dict[str, dict[str, Any]] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.uploads: list[StoredFile] = []
        self.file_counter = 0
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.outbox: list[ApiCall] = []
        self.unimplemented: list[ApiCall] = []
        self.transcript: list[str] = []
        self.listeners: list[Callable[[str], None]] = []
        self.version = 0

    def touch(self) -> None:
        """Mark a change and wake every waiter (call with the lock held)."""
        self.version += 1
        self.changed.notify_all()

    def record(
        self,
        method: str,
        params: dict[str, Any],
        files: dict[str, Upload],
        *,
        result: Any = None,
        error: ApiError | None = None,
        fault: str | None = None,
    ) -> ApiCall:
        """Log one Bot API call in the outbox (an error also in the transcript)."""
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
        with self.lock:
            self.outbox.append(call)
            if error is not None:
                self.say(f"bot ✗ {method} → {error.error_code} {error.description}")
            self.touch()
        return call

    def say(self, line: str) -> None:
        """Add a readable line to the transcript and tell the listeners."""
        self.transcript.append(line)
        for listener in list(self.listeners):
            listener(line)

    def emit(self, kind: str, payload: dict[str, Any]) -> None:
        """Queue an update of this kind for the bot, numbered in the bot's sequence."""
        self.updates.append({"update_id": self.next_update_id, kind: copy.deepcopy(payload)})
        self.next_update_id += 1
        self.touch()

    def now(self) -> int:
        """Telegram's time in Unix seconds."""
        return int(self.clock())

    def random_digits(self, digits: int) -> int:
        """A number of exactly this many digits, drawn from the seed."""
        return self.rng.randint(10 ** (digits - 1), 10**digits - 1)

    def bot_user(self) -> dict[str, Any]:
        """The bot's User JSON."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def chat_label(self, chat_id: int) -> str:
        """A chat's title or its user's first name, for the transcript."""
        chat = self.chats.get(chat_id, {})
        return chat.get("title") or chat.get("first_name") or str(chat_id)

    def find_message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """A message in a chat by its id (None if it never was or was deleted)."""
        for message in self.messages.get(chat_id, []):
            if message["message_id"] == message_id:
                return message
        return None

    def new_message(self, chat_id: int, sender: dict[str, Any], **content: Any) -> dict[str, Any]:
        """Store a new message with the chat's next message_id (empty content left out)."""
        message_id = self.next_message_id.get(chat_id, 1)
        self.next_message_id[chat_id] = message_id + 1
        message = {
            "message_id": message_id,
            "from": sender,
            "chat": copy.deepcopy(self.chats[chat_id]),
            "date": self.now(),
            **{key: value for key, value in content.items() if value not in (None, [])},
        }
        self.messages.setdefault(chat_id, []).append(message)
        self.touch()
        return message

    def filename(self, file_id: str) -> str:
        """The uploaded name of a stored file ("" if unknown)."""
        stored = self.files.get(file_id)
        return Path(stored.filename).name if stored else ""


def set_or_drop(target: dict[str, Any], key: str, value: Any) -> None:
    """Set target[key], or remove it when value is empty (Telegram omits empty fields)."""
    if value:
        target[key] = value
    else:
        target.pop(key, None)
