"""What simulated users do: write, send photos, edit, press buttons, vote, join groups, block.

Each action changes the shared state as Telegram would and queues the updates the bot gets.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from sandbox.describe import describe_buttons
from sandbox.errors import SandboxError
from sandbox.htmltext import command_entities
from sandbox.media import image_size, photo_ladder
from sandbox.state import PollState, SandboxState, SimUser, set_or_drop
from sandbox.tiers.groups import member_dict
from sandbox.tiers.media import MediaTier
from sandbox.tiers.polls import PollsTier
from sandbox.wire import Upload

# The bot's statuses in which it is in a group and receives its updates.
IN_GROUP = ("member", "administrator", "restricted")


class SimulatedUsers:
    """The people on the other side of the bot, acting through Telegram's apps."""

    def __init__(self, state: SandboxState, polls: PollsTier, media: MediaTier) -> None:
        self._state = state
        self._polls = polls  # votes change polls; actions on a poll past its deadline fail
        self._media = media  # a person's photo is stored like the bot's

    def add_user(
        self,
        first_name: str,
        *,
        language_code: str = "en",
        last_name: str | None = None,
        username: str | None = None,
    ) -> SimUser:
        """Create a Telegram user (10-digit id drawn from the seed) with a private chat."""
        with self._state.lock:
            user_id = self._state.random_digits(10)
            while user_id in self._state.users:
                user_id = self._state.random_digits(10)
            user = SimUser(user_id, first_name, last_name, username, language_code)
            self._state.users[user_id] = user
            chat: dict[str, Any] = {"id": user_id, "type": "private", "first_name": first_name}
            if last_name:
                chat["last_name"] = last_name
            if username:
                chat["username"] = username
            self._state.chats[user_id] = chat
            return user

    def user(self, user_id: int) -> SimUser:
        """The simulated user with this id."""
        with self._state.lock:
            return self._state.users[user_id]

    def _chat_of(self, user: SimUser, chat: dict[str, Any] | int | None) -> dict[str, Any]:
        chat_id = user.id if chat is None else chat if isinstance(chat, int) else chat["id"]
        found = self._state.chats.get(chat_id)
        if found is None:
            raise SandboxError(f"no chat {chat_id}")
        if found["type"] != "private" and user.id not in self._state.members[chat_id]:
            raise SandboxError(f"{user.first_name} is not a member of {found['title']}")
        if found["type"] == "private" and chat_id != user.id:
            raise SandboxError(f"{user.first_name} cannot see another user's private chat")
        return found

    def _delivered_in_group(self, chat_id: int, message: dict[str, Any]) -> bool:
        if self._state.bot_status.get(chat_id, "left") not in IN_GROUP:
            return False
        if not self._state.group_privacy:
            return True
        addressed = self._command_addressee(message)
        if addressed is not None:
            return addressed in ("", self._state.bot_username)
        replied = message.get("reply_to_message", {}).get("from", {})
        return replied.get("id") == self._state.bot_id

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
        with self._state.lock:
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
        with self._state.lock:
            target = self._chat_of(user, chat)
            dimensions = image_size(image)
            if dimensions is None:
                raise SandboxError("not a PNG, JPEG or GIF image")
            # Telegram re-encodes every photo a person sends as JPEG.
            upload = Upload("photo", filename, "image/jpeg", image)
            sizes = [
                self._media.photo_size(
                    self._media.store(upload, "photo", target["id"], width=w, height=h)
                )
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

    def send_document(
        self,
        user: SimUser,
        data: bytes,
        *,
        filename: str,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
        chat: dict[str, Any] | int | None = None,
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        """The user sends a file as a document (the Bot API's Document); the bot can getFile it."""
        with self._state.lock:
            target = self._chat_of(user, chat)
            stored = self._media.store(
                Upload("document", filename, mime_type, data), "document", target["id"]
            )
            document = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_name": filename,
                "mime_type": mime_type,
                "file_size": len(data),
            }
            shown = f"[document {filename}, {len(data)} bytes] {caption or ''}".rstrip()
            extra: dict[str, Any] = {}
            if caption:
                extra = {"caption": caption, "caption_entities": command_entities(caption)}
            return self._user_message(user, chat, reply_to, shown, document=document, **extra)

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
            original = self._state.find_message(target["id"], reply_to)
            if original is None:
                raise SandboxError(
                    f"no message {reply_to} in {self._state.chat_label(target['id'])}"
                )
            quoted = copy.deepcopy(original)
            quoted.pop("reply_to_message", None)
        message = self._state.new_message(
            target["id"], user.to_dict(), reply_to_message=quoted, **content
        )
        where = "bot" if private else target["title"]
        self._state.say(f"{user.first_name} → {where}: {shown}")
        if private or self._delivered_in_group(target["id"], message):
            self._state.emit("message", message)
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
        with self._state.lock:
            target = self._chat_of(user, chat)
            suffix = "" if target["type"] == "private" else f"@{self._state.bot_username}"
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
        with self._state.lock:
            target = self._chat_of(user, chat)
            message = self._state.find_message(target["id"], message_id)
            if message is None or message["from"]["id"] != user.id:
                raise SandboxError(f"{user.first_name} has no message {message_id} there")
            field, entities_field = ("text", "entities")
            if "text" not in message:
                field, entities_field = ("caption", "caption_entities")
            set_or_drop(message, field, text)
            set_or_drop(message, entities_field, command_entities(text))
            message["edit_date"] = self._state.now()
            self._state.say(f"{user.first_name} ✎ #{message_id}: {text}")
            if target["type"] == "private" or self._delivered_in_group(target["id"], message):
                self._state.emit("edited_message", message)
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
        with self._state.lock:
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
        with self._state.lock:
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
        message = self._state.find_message(target["id"], message_id)
        if message is None:
            raise SandboxError(f"no message {message_id} in {self._state.chat_label(target['id'])}")
        return message

    def _callback(
        self, user: SimUser, message: dict[str, Any], data: str, label: str
    ) -> dict[str, Any]:
        chat_id = message["chat"]["id"]
        query = {
            "id": str(self._state.random_digits(19)),
            "from": user.to_dict(),
            "message": copy.deepcopy(message),
            "chat_instance": str(-(abs(chat_id * 7919 + self._state.bot_id) % 10**19)),
            "data": data,
        }
        self._state.callback_queries[query["id"]] = {
            "answered": False,
            "user_name": user.first_name,
            "data": data,
        }
        self._state.say(f"{user.first_name} pressed [{label}] ({data})")
        self._state.emit("callback_query", query)
        return copy.deepcopy(query)

    def vote(self, user: SimUser, poll_id: str, option_ids: Iterable[int]) -> None:
        """The user votes; emits poll_answer (non-anonymous polls) and a poll update."""
        chosen = sorted(set(option_ids))
        with self._state.lock:
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
            self._state.say(f"{user.first_name} voted [{names}] in “{state.data['question']}”")

    def retract_vote(self, user: SimUser, poll_id: str) -> None:
        """The user takes their vote back; poll_answer carries empty option_ids."""
        with self._state.lock:
            state = self._open_poll(user, poll_id)
            if not state.votes.get(user.id):
                raise SandboxError(f"{user.first_name} has not voted")
            if not state.data["allows_revoting"]:
                raise SandboxError("this poll does not allow retracting a vote")
            self._set_vote(user, state, [])
            self._state.say(f"{user.first_name} retracted their vote in “{state.data['question']}”")

    def deliver_raw(self, kind: str, payload: dict[str, Any]) -> None:
        """Queue an update exactly as given: shapes a newer Bot API (or a broken one) may send."""
        with self._state.lock:
            self._state.emit(kind, payload)
            self._state.say(f"raw {kind} update delivered")

    def _open_poll(self, user: SimUser, poll_id: str) -> PollState:
        state = self._state.polls.get(poll_id)
        if state is None:
            raise SandboxError(f"no poll {poll_id}")
        self._chat_of(user, state.chat_id)
        self._polls.close_expired()
        if state.data["is_closed"]:
            raise SandboxError("the poll is closed")
        return state

    def _set_vote(self, user: SimUser, state: PollState, chosen: list[int]) -> None:
        if chosen:
            state.votes[user.id] = chosen
        else:
            state.votes.pop(user.id, None)
        for index, option in enumerate(state.data["options"]):
            option["voter_count"] = sum(index in votes for votes in state.votes.values())
        state.data["total_voter_count"] = len(state.votes)
        self._polls.sync_message(state)
        if not state.data["is_anonymous"]:
            options = state.data["options"]
            self._state.emit(
                "poll_answer",
                {
                    "poll_id": state.data["id"],
                    "user": user.to_dict(),
                    "option_ids": chosen,
                    "option_persistent_ids": [options[i]["persistent_id"] for i in chosen],
                },
            )
        self._state.emit("poll", state.data)

    def create_group(
        self,
        title: str,
        members: Iterable[SimUser],
        *,
        supergroup: bool = False,
        admins: Iterable[SimUser] = (),
    ) -> dict[str, Any]:
        """Create a group whose first member is its creator; the bot is not in it yet."""
        with self._state.lock:
            if supergroup:
                chat_id = -(10**12 + self._state.random_digits(10))
                chat = {"id": chat_id, "type": "supergroup", "title": title}
            else:
                chat_id = -self._state.random_digits(10)
                chat = {"id": chat_id, "type": "group", "title": title}
            self._state.chats[chat_id] = chat
            self._state.members[chat_id] = [user.id for user in members]
            if not self._state.members[chat_id]:
                raise SandboxError("a group needs at least its creator")
            self._state.admins[chat_id] = {user.id for user in admins}
            return copy.deepcopy(chat)

    def _group(self, chat: dict[str, Any] | int) -> dict[str, Any]:
        chat_id = chat if isinstance(chat, int) else chat["id"]
        found = self._state.chats.get(chat_id)
        if found is None or found["type"] == "private":
            raise SandboxError(f"no group {chat_id}")
        return found

    def add_bot_to_group(self, chat: dict[str, Any] | int, by_user: SimUser) -> None:
        """A member adds the bot: my_chat_member (left → member) plus the service message."""
        with self._state.lock:
            group = self._group(chat)
            self._chat_of(by_user, group["id"])
            old = self._state.bot_status.get(group["id"], "left")
            self._state.bot_status[group["id"]] = "member"
            self._emit_my_chat_member(group["id"], by_user, old, "member")
            message = self._state.new_message(
                group["id"], by_user.to_dict(), new_chat_members=[self._state.bot_user()]
            )
            self._state.emit("message", message)
            self._state.say(f"{by_user.first_name} added the bot to {group['title']}")

    def remove_bot_from_group(self, chat: dict[str, Any] | int, by_user: SimUser) -> None:
        """A member removes the bot: my_chat_member (member → kicked)."""
        with self._state.lock:
            group = self._group(chat)
            old = self._state.bot_status.get(group["id"], "left")
            self._state.bot_status[group["id"]] = "kicked"
            self._emit_my_chat_member(group["id"], by_user, old, "kicked")
            self._state.say(f"{by_user.first_name} removed the bot from {group['title']}")

    def promote_bot(self, chat: dict[str, Any] | int) -> None:
        """Make the bot an administrator of a group it is in (it may then delete messages)."""
        with self._state.lock:
            group = self._group(chat)
            creator = self._state.users[self._state.members[group["id"]][0]]
            old = self._state.bot_status.get(group["id"], "left")
            self._state.bot_status[group["id"]] = "administrator"
            self._emit_my_chat_member(group["id"], creator, old, "administrator")

    def restrict_bot(self, chat: dict[str, Any] | int, *, can_send_messages: bool) -> None:
        """The supergroup's creator restricts the bot (it may not send anything there) or
        lifts that: my_chat_member (member → restricted, or back to member).

        As in Telegram, only a supergroup restricts its members.
        """
        with self._state.lock:
            group = self._group(chat)
            if group["type"] != "supergroup":
                raise SandboxError("only a supergroup restricts its members")
            creator = self._state.users[self._state.members[group["id"]][0]]
            old = self._state.bot_status.get(group["id"], "left")
            new = "member" if can_send_messages else "restricted"
            self._state.bot_status[group["id"]] = new
            self._emit_my_chat_member(group["id"], creator, old, new)
            verb = "let the bot write in" if can_send_messages else "restricted the bot in"
            self._state.say(f"{creator.first_name} {verb} {group['title']}")

    def join_group(self, user: SimUser, chat: dict[str, Any] | int) -> dict[str, Any]:
        """The user joins a group; the service message reaches the bot if it is there."""
        with self._state.lock:
            group = self._group(chat)
            if user.id not in self._state.members[group["id"]]:
                self._state.members[group["id"]].append(user.id)
            message = self._state.new_message(
                group["id"], user.to_dict(), new_chat_members=[user.to_dict()]
            )
            if self._state.bot_status.get(group["id"]) in IN_GROUP:
                self._state.emit("message", message)
            self._state.say(f"{user.first_name} joined {group['title']}")
            return copy.deepcopy(message)

    def _emit_my_chat_member(self, chat_id: int, by_user: SimUser, old: str, new: str) -> None:
        self._state.emit(
            "my_chat_member",
            {
                "chat": copy.deepcopy(self._state.chats[chat_id]),
                "from": by_user.to_dict(),
                "date": self._state.now(),
                "old_chat_member": member_dict(self._state.bot_user(), old),
                "new_chat_member": member_dict(self._state.bot_user(), new),
            },
        )

    def block_bot(self, user: SimUser) -> None:
        """The user blocks the bot: my_chat_member (member → kicked); sends then get 403."""
        with self._state.lock:
            user.blocked_bot = True
            self._emit_my_chat_member(user.id, user, "member", "kicked")
            self._state.say(f"{user.first_name} blocked the bot")

    def unblock_bot(self, user: SimUser) -> None:
        """The user unblocks the bot: my_chat_member (kicked → member)."""
        with self._state.lock:
            user.blocked_bot = False
            self._emit_my_chat_member(user.id, user, "kicked", "member")
            self._state.say(f"{user.first_name} unblocked the bot")
