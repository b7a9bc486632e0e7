"""The conversation tier: messages, their edits and deletion, button answers, chat actions."""

from __future__ import annotations

import copy
from typing import Any

from sandbox.describe import describe_buttons, describe_message
from sandbox.errors import bad_request
from sandbox.limits import MAX_CALLBACK_ANSWER_LENGTH, MAX_TEXT_LENGTH
from sandbox.state import SandboxState, set_or_drop
from sandbox.tiers import MethodHandler
from sandbox.tiers.requests import (
    bot_message,
    formatted,
    inline_markup,
    target_chat,
    writable_chat,
)
from sandbox.wire import Upload

QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
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


class ConversationTier:
    """Text messages the bot sends and edits, and its answers to button presses."""

    def __init__(self, state: SandboxState) -> None:
        self._state = state

    def methods(self) -> dict[str, MethodHandler]:
        """This tier's Bot API methods."""
        return {
            "sendMessage": self._api_send_message,
            "editMessageText": self._api_edit_message_text,
            "editMessageReplyMarkup": self._api_edit_message_reply_markup,
            "answerCallbackQuery": self._api_answer_callback_query,
            "deleteMessage": self._api_delete_message,
            "sendChatAction": self._api_send_chat_action,
        }

    def _api_send_message(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        chat = writable_chat(self._state, params)
        text, entities = formatted(
            params.get("text"),
            params.get("parse_mode"),
            params.get("entities"),
            limit=MAX_TEXT_LENGTH,
            too_long="message is too long",
            required=True,
        )
        return bot_message(self._state, chat, params, text=text, entities=entities)

    def _editable(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("inline_message_id"):
            raise bad_request("inline messages are not supported by the sandbox")
        chat = target_chat(self._state, params)
        message = self._state.find_message(chat["id"], int(params.get("message_id") or 0))
        if message is None:
            raise bad_request("message to edit not found")
        if message["from"]["id"] != self._state.bot_id:
            raise bad_request("message can't be edited")
        return message

    def _api_edit_message_text(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        message = self._editable(params)
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        text, entities = formatted(
            params.get("text"),
            params.get("parse_mode"),
            params.get("entities"),
            limit=MAX_TEXT_LENGTH,
            too_long="MESSAGE_TOO_LONG",
            required=True,
        )
        markup = inline_markup(self._state, message["chat"]["id"], params)
        if (
            text == message["text"]
            and entities == message.get("entities", [])
            and markup == message.get("reply_markup")
        ):
            raise bad_request(NOT_MODIFIED)
        message["text"] = text
        set_or_drop(message, "entities", entities)
        set_or_drop(message, "reply_markup", markup)
        message["edit_date"] = self._state.now()
        self._state.touch()
        label = self._state.chat_label(message["chat"]["id"])
        self._state.say(f"bot ✎ {label} #{message['message_id']}: {describe_message(message)}")
        return copy.deepcopy(message)

    def _api_edit_message_reply_markup(
        self, params: dict[str, Any], files: dict[str, Upload]
    ) -> Any:
        message = self._editable(params)
        markup = inline_markup(self._state, message["chat"]["id"], params)
        if markup == message.get("reply_markup"):
            raise bad_request(NOT_MODIFIED)
        set_or_drop(message, "reply_markup", markup)
        message["edit_date"] = self._state.now()
        self._state.touch()
        label = self._state.chat_label(message["chat"]["id"])
        self._state.say(f"bot ✎ {label} #{message['message_id']}: {describe_buttons(markup)}")
        return copy.deepcopy(message)

    def _api_answer_callback_query(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        query = self._state.callback_queries.get(str(params.get("callback_query_id")))
        if query is None or query["answered"]:
            raise bad_request(QUERY_TOO_OLD)
        text = params.get("text")
        if text and len(str(text)) > MAX_CALLBACK_ANSWER_LENGTH:
            raise bad_request("MESSAGE_TOO_LONG")
        query.update(
            answered=True,
            text=text,
            show_alert=bool(params.get("show_alert")),
            url=params.get("url"),
        )
        if text:
            self._state.say(f"bot ↩ {query['user_name']}: {text}")
        self._state.touch()
        return True

    def _api_delete_message(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        chat = target_chat(self._state, params)
        message = self._state.find_message(chat["id"], int(params.get("message_id") or 0))
        if message is None:
            raise bad_request("message to delete not found")
        own = message["from"]["id"] == self._state.bot_id
        if (
            not own
            and chat["type"] != "private"
            and self._state.bot_status.get(chat["id"]) != ("administrator")
        ):
            raise bad_request("message can't be deleted")
        self._state.messages[chat["id"]].remove(message)
        self._state.say(f"bot 🗑 {self._state.chat_label(chat['id'])} #{message['message_id']}")
        self._state.touch()
        return True

    def _api_send_chat_action(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        writable_chat(self._state, params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True
