"""The groups tier: getChat, getChatMember, getChatAdministrators."""

from __future__ import annotations

import copy
from typing import Any

from sandbox.errors import bad_request
from sandbox.state import SandboxState
from sandbox.tiers import MethodHandler
from sandbox.tiers.requests import target_chat
from sandbox.wire import Upload


class GroupsTier:
    """What the bot may ask about a chat and its members."""

    def __init__(self, state: SandboxState) -> None:
        self._state = state

    def methods(self) -> dict[str, MethodHandler]:
        """This tier's Bot API methods."""
        return {
            "getChat": self._api_get_chat,
            "getChatMember": self._api_get_chat_member,
            "getChatAdministrators": self._api_get_chat_administrators,
        }

    def _api_get_chat(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        chat = target_chat(self._state, params)
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
        if user_id == self._state.bot_id:
            status = self._state.bot_status.get(chat_id, "left")
            if self._state.chats[chat_id]["type"] == "private":
                status = "member"
            return member_dict(self._state.bot_user(), status)
        user = self._state.users.get(user_id)
        if user is None:
            raise bad_request("user not found")
        chat = self._state.chats[chat_id]
        if chat["type"] == "private":
            status = "member" if chat_id == user_id else "left"
        elif user_id == self._state.members[chat_id][0]:
            status = "creator"
        elif user_id in self._state.admins[chat_id]:
            status = "administrator"
        else:
            status = "member" if user_id in self._state.members[chat_id] else "left"
        return member_dict(user.to_dict(), status)

    def _api_get_chat_member(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        chat = target_chat(self._state, params)
        return self._member(chat["id"], int(params.get("user_id") or 0))

    def _api_get_chat_administrators(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        chat = target_chat(self._state, params)
        if chat["type"] == "private":
            raise bad_request("there are no administrators in the private chat")
        ids = [self._state.members[chat["id"]][0], *sorted(self._state.admins[chat["id"]])]
        if self._state.bot_status.get(chat["id"]) == "administrator":
            ids.append(self._state.bot_id)
        return [self._member(chat["id"], user_id) for user_id in ids]


def member_dict(user: dict[str, Any], status: str) -> dict[str, Any]:
    """The ChatMember JSON for a user with this status (rights as a typical admin has)."""
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
    elif status == "restricted":
        # A member muted in a supergroup: in it, but may send nothing.
        rights = (
            "can_send_messages",
            "can_send_audios",
            "can_send_documents",
            "can_send_photos",
            "can_send_videos",
            "can_send_video_notes",
            "can_send_voice_notes",
            "can_send_polls",
            "can_send_other_messages",
            "can_add_web_page_previews",
            "can_change_info",
            "can_invite_users",
            "can_pin_messages",
            "can_manage_topics",
            "can_edit_tag",
            "can_react_to_messages",
        )
        member.update(is_member=True, until_date=0, **dict.fromkeys(rights, False))
    elif status == "kicked":
        member["until_date"] = 0
    return member
