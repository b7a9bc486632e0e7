"""The sandbox: one offline Telegram for one bot — the Bot API on one side, simulated users on
the other.

`Sandbox` is the front: transports hand it PTB's form fields through `handle_api`; tests and
the demo act as users and inspect through the same object. Behind it, one shared state
(`sandbox.state`), one object per method tier (`sandbox.tiers`), what simulated users do
(`sandbox.users`) and what tests inspect (`sandbox.inspection`). The parts are composed, not
mixed in: each is handed the state and the tiers it uses, so its dependencies are visible,
and the front lists its whole public surface below. Pure and thread-safe (one re-entrant
lock and its condition, in the state).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sandbox.describe import describe_buttons, describe_counts, describe_message
from sandbox.errors import ApiError, not_found
from sandbox.faults import Faults, FloodControl
from sandbox.inspection import Inspection
from sandbox.state import ApiCall, SandboxState, SimUser, StoredFile
from sandbox.tiers.boot import BootTier
from sandbox.tiers.conversation import ConversationTier
from sandbox.tiers.groups import GroupsTier
from sandbox.tiers.media import MediaTier
from sandbox.tiers.polls import PollsTier
from sandbox.users import SimulatedUsers
from sandbox.wire import Reply, Upload, decode_params, error_reply, ok_reply

__all__ = [
    "ApiCall",
    "Sandbox",
    "SimUser",
    "StoredFile",
    "describe_buttons",
    "describe_counts",
    "describe_message",
]

_SENDING_METHODS = {"sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup", "sendPoll"}
_TOKEN_SHAPE = re.compile(r"\d+:[A-Za-z0-9_-]{30,}")


class _Delegated:
    """A public member of Sandbox answered by one of its parts (a method or a property)."""

    def __init__(self, part: str, member: Any) -> None:
        self._part = part
        self._member = member
        self.__doc__ = member.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    def __get__(self, front: Sandbox | None, owner: type | None = None) -> Any:
        if front is None:
            return self._member
        return getattr(getattr(front, self._part), self._name)


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
        self._state = state = SandboxState(
            token=token,
            bot_username=bot_username,
            bot_first_name=bot_first_name,
            seed=seed,
            group_privacy=group_privacy,
            media_dir=media_dir,
            clock=clock,
        )
        self.faults = Faults(state.lock)
        self._flood = FloodControl() if flood_mode else None
        polls = PollsTier(state)
        media = MediaTier(state)
        self._boot = BootTier(state, polls)
        self._people = SimulatedUsers(state, polls, media)
        self._inspection = Inspection(state, polls, media)
        self._methods = {
            **self._boot.methods(),
            **ConversationTier(state).methods(),
            **polls.methods(),
            **media.methods(),
            **GroupsTier(state).methods(),
        }
        self._canonical = {name.lower(): name for name in [*self._methods, "getUpdates"]}

    # ------------------------------------------------------------------ the bot's identity

    @property
    def token(self) -> str:
        """The bot's token (digits:35 characters, the shape PTB accepts)."""
        return self._state.token

    @property
    def bot_id(self) -> int:
        """The bot's user id (the token's digits)."""
        return self._state.bot_id

    @property
    def bot_username(self) -> str:
        """The bot's @username, without the @."""
        return self._state.bot_username

    @property
    def bot_first_name(self) -> str:
        """The bot's display name."""
        return self._state.bot_first_name

    @property
    def group_privacy(self) -> bool:
        """Whether the bot sees only commands, replies and service messages in groups."""
        return self._state.group_privacy

    @group_privacy.setter
    def group_privacy(self, enabled: bool) -> None:
        self._state.group_privacy = enabled

    @property
    def media_dir(self) -> Path | None:
        """Where every uploaded file is also written as it arrives (None: nowhere)."""
        return self._state.media_dir

    @media_dir.setter
    def media_dir(self, folder: str | Path | None) -> None:
        self._state.media_dir = Path(folder) if folder is not None else None

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
        if token != self._state.token:
            if _TOKEN_SHAPE.fullmatch(token):
                return error_reply(ApiError(401, "Unauthorized"))
            return error_reply(not_found())
        name = self._canonical.get(method.lower())
        try:
            params = decode_params(fields)
        except ApiError as error:
            self._state.record(name or method, dict(fields), files, error=error)
            return error_reply(error)
        if name is None:
            call = self._state.record(method, params, files, error=not_found())
            with self._state.lock:
                self._state.unimplemented.append(call)
            return error_reply(not_found())
        fault = self.faults.draw(name)
        if fault is not None and not (fault.kind == "timeout" and fault.options.get("happened")):
            error = fault.error(self.faults.retry_after)
            self._state.record(name, params, files, error=error, fault=fault.kind)
            delay = float(fault.options.get("delay", self.faults.timeout_delay))
            return error_reply(error, delay=delay if fault.kind == "timeout" else 0.0)
        try:
            if name == "getUpdates":
                result = self._boot.get_updates(params, abandoned or (lambda: False))
            else:
                with self._state.lock:
                    self._check_flood(name, params)
                    result = self._methods[name](params, files)
        except ApiError as error:
            self._state.record(name, params, files, error=error)
            return error_reply(error)
        self._state.record(name, params, files, result=result, fault=fault and fault.kind)
        reply = ok_reply(result)
        if fault is not None:
            delay = float(fault.options.get("delay", self.faults.timeout_delay))
            return Reply(reply.status, reply.body, reply.content_type, delay)
        return reply

    def handle_file(self, token: str, file_path: str) -> Reply:
        """Serve /file/bot<token>/<file_path>: the stored bytes, or Telegram's 404."""
        with self._state.lock:
            known = token == self._state.token
            stored = self._state.files_by_path.get(file_path) if known else None
        if stored is None:
            return error_reply(not_found())
        return Reply(200, stored.data, stored.mime_type)

    def interrupt_polls(self) -> None:
        """End every waiting long poll now (with no updates), e.g. when a server stops."""
        with self._state.lock:
            self._state.poll_epoch += 1
            self._state.touch()

    def _check_flood(self, method: str, params: dict[str, Any]) -> None:
        if self._flood is None or method not in _SENDING_METHODS:
            return
        chat = self._state.chats.get(params.get("chat_id"))  # type: ignore[arg-type]
        if chat is not None:
            self._flood.check(chat["id"], chat["type"] != "private")

    # ------------------------------------------------------------------ control: people

    add_user = _Delegated("_people", SimulatedUsers.add_user)
    user = _Delegated("_people", SimulatedUsers.user)
    send_text = _Delegated("_people", SimulatedUsers.send_text)
    send_photo = _Delegated("_people", SimulatedUsers.send_photo)
    send_document = _Delegated("_people", SimulatedUsers.send_document)
    command = _Delegated("_people", SimulatedUsers.command)
    edit_text = _Delegated("_people", SimulatedUsers.edit_text)
    press_button = _Delegated("_people", SimulatedUsers.press_button)
    press_raw = _Delegated("_people", SimulatedUsers.press_raw)
    vote = _Delegated("_people", SimulatedUsers.vote)
    restrict_bot = _Delegated("_people", SimulatedUsers.restrict_bot)
    retract_vote = _Delegated("_people", SimulatedUsers.retract_vote)
    deliver_raw = _Delegated("_people", SimulatedUsers.deliver_raw)

    # ------------------------------------------------------------------ control: groups

    create_group = _Delegated("_people", SimulatedUsers.create_group)
    add_bot_to_group = _Delegated("_people", SimulatedUsers.add_bot_to_group)
    remove_bot_from_group = _Delegated("_people", SimulatedUsers.remove_bot_from_group)
    promote_bot = _Delegated("_people", SimulatedUsers.promote_bot)
    join_group = _Delegated("_people", SimulatedUsers.join_group)
    block_bot = _Delegated("_people", SimulatedUsers.block_bot)
    unblock_bot = _Delegated("_people", SimulatedUsers.unblock_bot)

    # ------------------------------------------------------------------ control: reading

    outbox = _Delegated("_inspection", Inspection.outbox)
    calls = _Delegated("_inspection", Inspection.calls)
    is_polling = _Delegated("_inspection", Inspection.is_polling)
    unimplemented_calls = _Delegated("_inspection", Inspection.unimplemented_calls)
    messages_in = _Delegated("_inspection", Inspection.messages_in)
    bot_messages = _Delegated("_inspection", Inspection.bot_messages)
    last_bot_message = _Delegated("_inspection", Inspection.last_bot_message)
    reply_keyboard = _Delegated("_inspection", Inspection.reply_keyboard)
    files = _Delegated("_inspection", Inspection.files)
    file = _Delegated("_inspection", Inspection.file)
    save_media = _Delegated("_inspection", Inspection.save_media)
    commands = _Delegated("_inspection", Inspection.commands)
    pending_updates = _Delegated("_inspection", Inspection.pending_updates)
    transcript = _Delegated("_inspection", Inspection.transcript)
    on_transcript = _Delegated("_inspection", Inspection.on_transcript)
    callback_answer = _Delegated("_inspection", Inspection.callback_answer)
    poll = _Delegated("_inspection", Inspection.poll)

    # ------------------------------------------------------------------ control: waiting

    wait_for = _Delegated("_inspection", Inspection.wait_for)
    wait_for_async = _Delegated("_inspection", Inspection.wait_for_async)
    wait_for_bot_message = _Delegated("_inspection", Inspection.wait_for_bot_message)
    wait_for_bot_message_async = _Delegated("_inspection", Inspection.wait_for_bot_message_async)
    wait_for_call = _Delegated("_inspection", Inspection.wait_for_call)
