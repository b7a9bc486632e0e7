"""The polls tier: sendPoll and stopPoll, and polls closing at their deadline."""

from __future__ import annotations

import copy
from typing import Any

from sandbox.describe import describe_counts
from sandbox.errors import bad_request
from sandbox.limits import (
    MAX_OPEN_PERIOD,
    MAX_POLL_OPTION_LENGTH,
    MAX_POLL_OPTIONS,
    MAX_POLL_QUESTION_LENGTH,
    MIN_OPEN_PERIOD,
    MIN_POLL_OPTIONS,
)
from sandbox.state import PollState, SandboxState, set_or_drop
from sandbox.tiers import MethodHandler
from sandbox.tiers.requests import bot_message, inline_markup, target_chat, writable_chat
from sandbox.wire import Upload


class PollsTier:
    """Polls the bot sends and stops; votes come from the simulated users."""

    def __init__(self, state: SandboxState) -> None:
        self._state = state

    def methods(self) -> dict[str, MethodHandler]:
        """This tier's Bot API methods."""
        return {"sendPoll": self._api_send_poll, "stopPoll": self._api_stop_poll}

    def _api_send_poll(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        chat = writable_chat(self._state, params, "polls")
        question = str(params.get("question") or "")
        if not 1 <= len(question) <= MAX_POLL_QUESTION_LENGTH:
            raise bad_request("POLL_QUESTION_INVALID" if question else "poll question is empty")
        raw_options = params.get("options") or []
        texts = [o.get("text", "") if isinstance(o, dict) else str(o) for o in raw_options]
        if not MIN_POLL_OPTIONS <= len(texts) <= MAX_POLL_OPTIONS:
            raise bad_request("POLL_OPTIONS_COUNT_INVALID" if texts else "poll options are empty")
        if any(not 1 <= len(text) <= MAX_POLL_OPTION_LENGTH for text in texts):
            raise bad_request("POLL_OPTION_INVALID")
        if len(set(texts)) != len(texts):
            raise bad_request("POLL_OPTION_DUPLICATE")
        poll_type = params.get("type") or "regular"
        if poll_type not in ("regular", "quiz"):
            raise bad_request("poll type is invalid")
        open_period = params.get("open_period")
        if open_period is not None and not MIN_OPEN_PERIOD <= open_period <= MAX_OPEN_PERIOD:
            raise bad_request("POLL_OPEN_PERIOD_INVALID")
        poll: dict[str, Any] = {
            "id": str(self._state.random_digits(19)),
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
            poll["close_date"] = self._state.now() + open_period
        elif params.get("close_date") is not None:
            poll["close_date"] = int(params["close_date"])
        message = bot_message(self._state, chat, params, poll=poll)
        self._state.polls[poll["id"]] = PollState(poll, chat["id"], message["message_id"])
        self.sync_message(self._state.polls[poll["id"]])
        return message

    def sync_message(self, state: PollState) -> None:
        """Copy a poll's current JSON into the message that carries it."""
        message = self._state.find_message(state.chat_id, state.message_id)
        if message is not None:
            message["poll"] = copy.deepcopy(state.data)

    def close_expired(self) -> None:
        """Close the polls whose open_period or close_date has passed, as Telegram does."""
        now = self._state.now()
        for state in self._state.polls.values():
            close_date = state.data.get("close_date")
            if state.data["is_closed"] or close_date is None or now < close_date:
                continue
            state.data["is_closed"] = True
            self.sync_message(state)
            self._state.emit("poll", state.data)
            self._state.say(f"■ poll “{state.data['question']}” closed at its deadline")

    def _api_stop_poll(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        chat = target_chat(self._state, params)
        message = self._state.find_message(chat["id"], int(params.get("message_id") or 0))
        if message is None or "poll" not in message or message["from"]["id"] != self._state.bot_id:
            raise bad_request("message with poll to stop not found")
        state = self._state.polls[message["poll"]["id"]]
        if state.data["is_closed"]:
            raise bad_request("poll has already been closed")
        state.data["is_closed"] = True
        markup = inline_markup(self._state, chat["id"], params)
        if "reply_markup" in params:
            set_or_drop(message, "reply_markup", markup)
        self.sync_message(state)
        self._state.emit("poll", state.data)
        self._state.say(
            f"bot ■ closed poll “{state.data['question']}” {describe_counts(state.data)}"
        )
        return copy.deepcopy(state.data)
