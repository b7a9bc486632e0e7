"""The boot tier: getMe, deleteWebhook, getUpdates (the long poll), and the bot's commands."""

from __future__ import annotations

import copy
import json
import re
import time
from collections.abc import Callable
from typing import Any

from sandbox.errors import ApiError, bad_request
from sandbox.limits import MAX_COMMAND_DESCRIPTION, MAX_COMMAND_LENGTH, MAX_COMMANDS
from sandbox.state import SandboxState
from sandbox.tiers import MethodHandler
from sandbox.tiers.polls import PollsTier
from sandbox.wire import Upload

CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
# Sent without allowed_updates, Telegram delivers every type except these three.
_OPT_IN_UPDATES = {"chat_member", "message_reaction", "message_reaction_count"}
_COMMAND_NAME = re.compile(r"[a-z0-9_]+")


def commands_key(params: dict[str, Any]) -> tuple[str, str]:
    """Where a command list is kept: its scope and language, as set/get/deleteMyCommands name."""
    scope = params.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")


class BootTier:
    """What a bot calls as it starts and then forever: who am I, my commands, my updates."""

    def __init__(self, state: SandboxState, polls: PollsTier) -> None:
        self._state = state
        self._polls = polls  # a long poll closes polls whose deadline passed, as Telegram does

    def methods(self) -> dict[str, MethodHandler]:
        """This tier's Bot API methods (getUpdates is separate: it waits)."""
        return {
            "getMe": self._api_get_me,
            "deleteWebhook": self._api_delete_webhook,
            "setMyCommands": self._api_set_my_commands,
            "getMyCommands": self._api_get_my_commands,
            "deleteMyCommands": self._api_delete_my_commands,
        }

    def _api_get_me(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        return {
            **self._state.bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": not self._state.group_privacy,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
            "has_topics_enabled": False,
            "allows_users_to_create_topics": False,
        }

    def _api_delete_webhook(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        if params.get("drop_pending_updates"):
            self._state.updates.clear()
        return True

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
        self._state.commands[commands_key(params)] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    def _api_get_my_commands(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        return copy.deepcopy(self._state.commands.get(commands_key(params), []))

    def _api_delete_my_commands(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        self._state.commands.pop(commands_key(params), None)
        return True

    def get_updates(self, params: dict[str, Any], abandoned: Callable[[], bool]) -> list[Any]:
        """Long-poll for updates: confirm those below offset, wait up to timeout; 409 if busy.

        Runs outside the lock's caller, because it waits on the state's condition.
        """
        offset = params.get("offset")
        limit = max(1, min(100, int(params.get("limit") or 100)))
        timeout = max(0, int(params.get("timeout") or 0))
        with self._state.lock:
            if self._state.polling and self._state.poll_abandoned():
                # The waiting poll's client is gone (cancelled, disconnected): end it, as
                # Telegram does, instead of holding the slot until its timeout.
                self._state.poll_epoch += 1
                self._state.touch()
                self._state.changed.wait_for(lambda: not self._state.polling, timeout=1.0)
            if self._state.polling:
                raise ApiError(409, CONFLICT)
            self._state.polling = True
            self._state.poll_abandoned = abandoned
            self._state.touch()
            try:
                if "allowed_updates" in params:
                    allowed = params["allowed_updates"] or []
                    self._state.allowed_updates = set(allowed) if allowed else None
                self._confirm(offset)
                epoch = self._state.poll_epoch
                deadline = time.monotonic() + timeout
                while True:
                    self._polls.close_expired()
                    batch = self._deliverable(limit)
                    remaining = deadline - time.monotonic()
                    if batch or epoch != self._state.poll_epoch or abandoned() or remaining <= 0:
                        return batch
                    # Short slices so an abandoned poll (client gone) frees the slot quickly.
                    self._state.changed.wait(min(remaining, 0.2))
            finally:
                self._state.polling = False
                self._state.touch()

    def _confirm(self, offset: int | None) -> None:
        if offset is None:
            return
        if offset < 0:
            del self._state.updates[: max(0, len(self._state.updates) + offset)]
        else:
            self._state.updates = [u for u in self._state.updates if u["update_id"] >= offset]

    def _deliverable(self, limit: int) -> list[dict[str, Any]]:
        def allowed(update: dict[str, Any]) -> bool:
            kind = next(k for k in update if k != "update_id")
            if self._state.allowed_updates is None:
                return kind not in _OPT_IN_UPDATES
            return kind in self._state.allowed_updates

        self._state.updates = [u for u in self._state.updates if allowed(u)]
        return copy.deepcopy(self._state.updates[:limit])
