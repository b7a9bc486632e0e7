"""Every JSON shape the sandbox emits parses with the installed python-telegram-bot.

If a shape inside getUpdates fails to parse, PTB re-fetches the same updates forever, so these
tests check the fields that PTB 22.8 requires survive the round trip, not just "no exception".
"""

from __future__ import annotations

from typing import Any

import pytest
from telegram import (
    Bot,
    Chat,
    ChatFullInfo,
    ChatMember,
    ChatMemberAdministrator,
    ChatMemberOwner,
    ChatMemberRestricted,
    File,
    Message,
    MessageEntity,
    Poll,
    Update,
    User,
)

from sandbox.core import Sandbox, SimUser
from sandbox.wire import Upload
from tests.sandbox.helpers import api, ok, png_header


@pytest.fixture
def bot(sb: Sandbox) -> Bot:
    """A PTB Bot to attach parsed objects to (never initialized, never calls out)."""
    return Bot(sb.token)


def only_update(sb: Sandbox, kind: str) -> dict[str, Any]:
    """The latest pending update of one kind."""
    return next(u for u in reversed(sb.pending_updates()) if kind in u)


def test_message_update_with_command_entity(sb: Sandbox, aino: SimUser, bot: Bot):
    sb.command(aino, "start", payload="inv_42")
    update = Update.de_json(only_update(sb, "message"), bot)
    assert update.message.text == "/start inv_42"
    assert update.effective_user.id == aino.id
    assert update.effective_user.language_code == "fi"
    assert update.effective_chat.type == Chat.PRIVATE
    assert update.message.entities[0].type == MessageEntity.BOT_COMMAND
    assert update.message.parse_entities(["bot_command"]) != {}
    assert update.message.date.year >= 2024


def test_edited_message_update(sb: Sandbox, aino: SimUser, bot: Bot):
    sent = sb.send_text(aino, "Laitila")
    sb.edit_text(aino, sent["message_id"], "Rauma")
    update = Update.de_json(only_update(sb, "edited_message"), bot)
    assert update.edited_message.text == "Rauma"
    assert update.edited_message.edit_date is not None


def test_callback_query_update(sb: Sandbox, aino: SimUser, bot: Bot):
    markup = {"inline_keyboard": [[{"text": "Kyllä", "callback_data": "v1:yes"}]]}
    sent = ok(
        sb,
        "sendMessage",
        chat_id=aino.id,
        text="<b>OK?</b>",
        parse_mode="HTML",
        reply_markup=markup,
    )
    sb.press_button(aino, sent, "v1:yes")
    query = Update.de_json(only_update(sb, "callback_query"), bot).callback_query
    assert query.data == "v1:yes"
    assert query.from_user.first_name == "Aino"
    assert query.chat_instance
    assert query.message.message_id == sent["message_id"]
    assert query.message.from_user.is_bot
    assert query.message.reply_markup.inline_keyboard[0][0].callback_data == "v1:yes"
    assert query.message.entities[0].type == MessageEntity.BOLD


def test_poll_message_poll_and_poll_answer_updates(sb: Sandbox, aino: SimUser, bot: Bot):
    sent = ok(
        sb,
        "sendPoll",
        chat_id=aino.id,
        question="Paras?",
        options=["Pyörä", "Bussi", "Auto"],
        is_anonymous=False,
        allows_multiple_answers=True,
    )
    message = Message.de_json(sent, bot)
    assert message.poll.allows_revoting is True
    assert message.poll.members_only is False
    assert [o.persistent_id for o in message.poll.options] == ["0", "1", "2"]
    sb.vote(aino, sent["poll"]["id"], [0, 2])
    answer = Update.de_json(only_update(sb, "poll_answer"), bot).poll_answer
    assert answer.option_ids == (0, 2)
    assert answer.option_persistent_ids == ("0", "2")
    assert answer.user.id == aino.id
    poll = Update.de_json(only_update(sb, "poll"), bot).poll
    assert [o.voter_count for o in poll.options] == [1, 0, 1]
    assert poll.total_voter_count == 1
    sb.retract_vote(aino, sent["poll"]["id"])
    retracted = Update.de_json(only_update(sb, "poll_answer"), bot).poll_answer
    assert retracted.option_ids == ()
    assert retracted.option_persistent_ids == ()


def test_stop_poll_result_and_quiz(sb: Sandbox, aino: SimUser, bot: Bot):
    sent = ok(
        sb,
        "sendPoll",
        chat_id=aino.id,
        question="2+2?",
        options=["3", "4"],
        type="quiz",
        correct_option_id=1,
    )
    stopped = Poll.de_json(ok(sb, "stopPoll", chat_id=aino.id, message_id=sent["message_id"]), bot)
    assert stopped.is_closed
    assert stopped.type == Poll.QUIZ
    assert stopped.correct_option_ids == (1,)
    assert stopped.allows_revoting is False


def test_my_chat_member_and_service_message(sb: Sandbox, aino: SimUser, bot: Bot):
    group = sb.create_group("Laitila workshop", [aino], supergroup=True)
    sb.add_bot_to_group(group, aino)
    member_update = Update.de_json(only_update(sb, "my_chat_member"), bot).my_chat_member
    assert member_update.chat.type == Chat.SUPERGROUP
    assert member_update.chat.title == "Laitila workshop"
    assert member_update.old_chat_member.status == ChatMember.LEFT
    assert member_update.new_chat_member.status == ChatMember.MEMBER
    assert member_update.new_chat_member.user.username == sb.bot_username
    assert member_update.from_user.id == aino.id
    service = Update.de_json(only_update(sb, "message"), bot).message
    assert service.new_chat_members[0].id == sb.bot_id


def test_photo_and_document_messages_and_file(sb: Sandbox, aino: SimUser, bot: Bot):
    photo = Upload("photo", "chart.png", "image/png", png_header(1600, 900))
    sent = Message.de_json(
        ok(
            sb,
            "sendPhoto",
            {"photo": photo},
            chat_id=aino.id,
            caption="<i>Tulos</i>",
            parse_mode="HTML",
        ),
        bot,
    )
    sizes = [(p.width, p.height) for p in sent.photo]
    assert sizes == sorted(sizes)
    assert sizes[-1] == (1280, 720)
    assert sent.caption == "Tulos"
    assert sent.caption_entities[0].type == MessageEntity.ITALIC
    document = Upload("document", "report.pdf", "application/pdf", b"%PDF-1.4 demo")
    doc_message = Message.de_json(
        ok(sb, "sendDocument", {"document": document}, chat_id=aino.id), bot
    )
    assert doc_message.document.file_name == "report.pdf"
    assert doc_message.document.mime_type == "application/pdf"
    assert doc_message.document.file_size == len(document.data)
    file = File.de_json(ok(sb, "getFile", file_id=doc_message.document.file_id), bot)
    assert file.file_unique_id == doc_message.document.file_unique_id
    assert file.file_path.startswith("documents/")


def test_get_me_get_chat_and_members(sb: Sandbox, aino: SimUser, bot: Bot):
    me = User.de_json(ok(sb, "getMe"), bot)
    assert me.is_bot
    assert me.username == sb.bot_username
    eero = sb.add_user("Eero")
    group = sb.create_group("Rauma", [aino, eero], admins=[eero])
    sb.add_bot_to_group(group, aino)
    info = ChatFullInfo.de_json(ok(sb, "getChat", chat_id=group["id"]), bot)
    assert info.title == "Rauma"
    assert info.type == Chat.GROUP
    admins = [
        ChatMember.de_json(m, bot) for m in ok(sb, "getChatAdministrators", chat_id=group["id"])
    ]
    assert isinstance(admins[0], ChatMemberOwner)
    assert admins[0].user.id == aino.id
    assert isinstance(admins[1], ChatMemberAdministrator)
    assert admins[1].user.id == eero.id
    bot_member = ChatMember.de_json(
        ok(sb, "getChatMember", chat_id=group["id"], user_id=sb.bot_id), bot
    )
    assert bot_member.status == ChatMember.MEMBER
    private = ChatFullInfo.de_json(ok(sb, "getChat", chat_id=aino.id), bot)
    assert private.first_name == "Aino"
    assert private.username == "aino_k"


def test_media_group_messages(sb: Sandbox, aino: SimUser, bot: Bot):
    files = {
        "a": Upload("a", "one.png", "image/png", png_header(320, 200)),
        "b": Upload("b", "two.png", "image/png", png_header(200, 320)),
    }
    media = [
        {"type": "photo", "media": "attach://a", "caption": "1"},
        {"type": "photo", "media": "attach://b"},
    ]
    sent = [
        Message.de_json(m, bot)
        for m in ok(sb, "sendMediaGroup", files, chat_id=aino.id, media=media)
    ]
    assert [m.message_id for m in sent] == [1, 2]
    assert sent[0].media_group_id == sent[1].media_group_id
    assert (sent[1].photo[-1].width, sent[1].photo[-1].height) == (200, 320)


def test_the_bot_restricted_and_let_write_again(sb: Sandbox, aino: SimUser, bot: Bot):
    group = sb.create_group("Hall", [aino], supergroup=True)
    sb.add_bot_to_group(group, aino)
    sb.restrict_bot(group, can_send_messages=False)
    change = Update.de_json(only_update(sb, "my_chat_member"), bot).my_chat_member
    assert isinstance(change.new_chat_member, ChatMemberRestricted)
    assert change.new_chat_member.can_send_messages is False
    assert change.new_chat_member.is_member is True
    member = ChatMember.de_json(
        ok(sb, "getChatMember", chat_id=group["id"], user_id=sb.bot_id), bot
    )
    assert isinstance(member, ChatMemberRestricted)
    sb.restrict_bot(group, can_send_messages=True)
    change = Update.de_json(only_update(sb, "my_chat_member"), bot).my_chat_member
    assert (change.old_chat_member.status, change.new_chat_member.status) == (
        "restricted",
        "member",
    )


def test_an_album_takes_two_to_ten_items_each_naming_its_own_file(sb: Sandbox, aino: SimUser):
    files = {"media": Upload("media", "one.png", "image/png", png_header(320, 200))}
    photo = {"type": "photo", "media": "attach://media"}
    for count in (1, 11):
        status, body = api(sb, "sendMediaGroup", files, chat_id=aino.id, media=[photo] * count)
        assert status == 400
        assert "number of media" in body["description"]
    # Files sent under the field name "media" without attach:// are no album items.
    status, body = api(sb, "sendMediaGroup", files, chat_id=aino.id, media=[{"type": "photo"}] * 2)
    assert status == 400
    assert "no media" in body["description"]
    long_caption = {**photo, "caption": "x" * 1025}
    status, body = api(sb, "sendMediaGroup", files, chat_id=aino.id, media=[photo, long_caption])
    assert status == 400
    assert "caption is too long" in body["description"]


def test_a_document_keeps_telegrams_limits(sb: Sandbox, aino: SimUser):
    """sendDocument as the Bot API takes it: a caption of up to 1,024 characters, files of up
    to 50 MB (a larger upload is refused as too large, and nothing is delivered)."""
    small = {
        "document": Upload("document", "data.zip", "application/zip", b"PK\x05\x06" + bytes(18))
    }
    status, body = api(sb, "sendDocument", small, chat_id=aino.id, caption="x" * 1025)
    assert status == 400
    assert "caption is too long" in body["description"]
    sent = ok(sb, "sendDocument", small, chat_id=aino.id, caption="x" * 1024)
    assert sent["document"]["file_name"] == "data.zip"
    assert len(sent["caption"]) == 1024
    large = Upload("document", "big.zip", "application/zip", bytes(50_000_001))
    status, _body = api(sb, "sendDocument", {"document": large}, chat_id=aino.id)
    assert status == 413
    assert [m["document"]["file_name"] for m in sb.bot_messages(aino.id) if "document" in m] == [
        "data.zip"
    ]
    status, body = api(sb, "sendChatAction", chat_id=aino.id, action="upload_document")
    assert (status, body["result"]) == (200, True)
