"""What tests and the demo inspect: the outbox, chats, files, commands, the transcript — and
waiting, with a timeout, for a condition on them.
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sandbox.errors import WaitTimeout
from sandbox.state import ApiCall, SandboxState, StoredFile
from sandbox.tiers.boot import commands_key
from sandbox.tiers.media import MediaTier
from sandbox.tiers.polls import PollsTier

_OUTBOX_SHOWN_ON_TIMEOUT = 15


class Inspection:
    """Views of the state for tests and the demo; what they return is a copy, never the state."""

    def __init__(self, state: SandboxState, polls: PollsTier, media: MediaTier) -> None:
        self._state = state
        self._polls = polls  # reading a poll first closes it if its deadline passed
        self._media = media  # save_media writes files as the media tier names them

    @property
    def outbox(self) -> list[ApiCall]:
        """Every Bot API call the bot made, oldest first."""
        with self._state.lock:
            return list(self._state.outbox)

    def calls(self, method: str) -> list[ApiCall]:
        """The outbox entries for one method."""
        with self._state.lock:
            return [call for call in self._state.outbox if call.method == method]

    @property
    def is_polling(self) -> bool:
        """Whether a getUpdates long poll is waiting right now."""
        with self._state.lock:
            return self._state.polling

    @property
    def unimplemented_calls(self) -> list[ApiCall]:
        """Calls of methods the sandbox does not implement (answered 404)."""
        with self._state.lock:
            return list(self._state.unimplemented)

    def messages_in(self, chat_id: int) -> list[dict[str, Any]]:
        """Bot and user messages in a chat, in order (deleted ones gone)."""
        with self._state.lock:
            return copy.deepcopy(self._state.messages.get(chat_id, []))

    def bot_messages(self, chat_id: int) -> list[dict[str, Any]]:
        """The bot's messages in a chat, in order."""
        return [m for m in self.messages_in(chat_id) if m["from"]["id"] == self._state.bot_id]

    def last_bot_message(self, chat_id: int) -> dict[str, Any] | None:
        """The bot's latest message in a chat, or None."""
        messages = self.bot_messages(chat_id)
        return messages[-1] if messages else None

    def reply_keyboard(self, chat_id: int) -> dict[str, Any] | None:
        """The reply keyboard the bot last showed in a chat (None if removed or never shown)."""
        with self._state.lock:
            return copy.deepcopy(self._state.reply_keyboards.get(chat_id))

    @property
    def files(self) -> list[StoredFile]:
        """Every photo and document the bot uploaded, in order (a photo's largest size)."""
        with self._state.lock:
            return list(self._state.uploads)

    def file(self, file_id: str) -> StoredFile:
        """A stored file by any of its file_ids."""
        with self._state.lock:
            return self._state.files[file_id]

    def save_media(self, folder: str | Path) -> list[Path]:
        """Write every uploaded photo and document to folder with readable names."""
        with self._state.lock:
            chats = {}
            for chat_id, messages in self._state.messages.items():
                for message in messages:
                    for size in message.get("photo", [])[-1:]:
                        chats[size["file_id"]] = chat_id
                    if "document" in message:
                        chats[message["document"]["file_id"]] = chat_id
            return [
                self._media.write_media(Path(folder), number, stored, chats.get(stored.file_id, 0))
                for number, stored in enumerate(self._state.uploads, start=1)
            ]

    def commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, str]]:
        """The command list set for exactly this scope and language."""
        with self._state.lock:
            key = commands_key({"scope": scope, "language_code": language_code})
            return copy.deepcopy(self._state.commands.get(key, []))

    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates queued and not yet confirmed by the bot."""
        with self._state.lock:
            return copy.deepcopy(self._state.updates)

    @property
    def transcript(self) -> list[str]:
        """Readable lines of everything that happened, oldest first."""
        with self._state.lock:
            return list(self._state.transcript)

    def on_transcript(self, listener: Callable[[str], None]) -> None:
        """Call listener with each new transcript line (keep it quick: it runs under the lock)."""
        with self._state.lock:
            self._state.listeners.append(listener)

    def callback_answer(self, query_id: str) -> dict[str, Any] | None:
        """How the bot answered a callback query (answered, text, show_alert), if known."""
        with self._state.lock:
            query = self._state.callback_queries.get(query_id)
            return dict(query) if query else None

    def poll(self, poll_id: str) -> dict[str, Any]:
        """The current Poll JSON."""
        with self._state.lock:
            self._polls.close_expired()
            return copy.deepcopy(self._state.polls[poll_id].data)

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Block until predicate() is truthy and return its value; WaitTimeout after timeout."""
        deadline = time.monotonic() + timeout
        with self._state.lock:
            while True:
                value = predicate()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise self._timeout_error(predicate, timeout)
                self._state.changed.wait(remaining)

    # The brief's API names the deadline `timeout` in both the sync and async waits.
    async def wait_for_async(
        self,
        predicate: Callable[[], Any],
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> Any:
        """wait_for for async tests: the event loop keeps running while waiting."""
        deadline = time.monotonic() + timeout
        while True:
            with self._state.lock:
                value = predicate()
                version = self._state.version
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self._timeout_error(predicate, timeout)
            await asyncio.to_thread(self._wait_change, version, min(remaining, 0.2))

    def _wait_change(self, version: int, timeout: float) -> None:
        with self._state.lock:
            self._state.changed.wait_for(lambda: self._state.version != version, timeout)

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
            f"pending updates: {len(self._state.updates)}"
        )
