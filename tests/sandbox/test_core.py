"""Telegram's behaviour that the bot relies on, checked on the core directly."""

from __future__ import annotations

import pytest

from sandbox.core import Sandbox, SimUser
from sandbox.errors import SandboxError, WaitTimeout
from tests.sandbox.helpers import api, error, ok


def test_offset_confirms_earlier_updates_and_update_ids_increase(sb: Sandbox, aino: SimUser):
    for text in ("one", "two", "three"):
        sb.send_text(aino, text)
    first = ok(sb, "getUpdates")
    ids = [u["update_id"] for u in first]
    assert ids == sorted(ids)
    assert ids[1] == ids[0] + 1
    assert [u["message"]["text"] for u in first] == ["one", "two", "three"]
    again = ok(sb, "getUpdates", offset=ids[1])
    assert [u["message"]["text"] for u in again] == ["two", "three"]
    assert ok(sb, "getUpdates", offset=ids[2] + 1) == []
    assert sb.pending_updates() == []


def test_negative_offset_keeps_only_the_latest(sb: Sandbox, aino: SimUser):
    for text in ("a", "b", "c"):
        sb.send_text(aino, text)
    assert [u["message"]["text"] for u in ok(sb, "getUpdates", offset=-1)] == ["c"]


def test_long_poll_returns_when_an_update_arrives(sb: Sandbox, aino: SimUser):
    import threading

    result: list = []
    poller = threading.Thread(target=lambda: result.append(ok(sb, "getUpdates", timeout=5)))
    poller.start()
    sb.wait_for(lambda: sb.calls("getUpdates") == [] and sb.is_polling, timeout=2)
    sb.send_text(aino, "wake up")
    poller.join(timeout=3)
    assert result
    assert result[0][0]["message"]["text"] == "wake up"


def test_second_concurrent_get_updates_conflicts(sb: Sandbox):
    import threading

    poller = threading.Thread(target=lambda: ok(sb, "getUpdates", timeout=2))
    poller.start()
    sb.wait_for(lambda: sb.is_polling, timeout=2)
    code, description = error(sb, "getUpdates")
    sb.interrupt_polls()
    poller.join(timeout=3)
    assert code == 409
    assert description.startswith("Conflict: terminated by other getUpdates request")


def test_message_ids_increase_per_chat(sb: Sandbox, aino: SimUser):
    eero = sb.add_user("Eero")
    eero.started = True
    a1 = ok(sb, "sendMessage", chat_id=aino.id, text="hei")
    a2 = sb.send_text(aino, "moi")
    e1 = ok(sb, "sendMessage", chat_id=eero.id, text="hei")
    assert (a1["message_id"], a2["message_id"], e1["message_id"]) == (1, 2, 1)
    assert a1["from"]["is_bot"]
    assert a1["from"]["username"] == sb.bot_username
    assert a1["chat"] == {
        "id": aino.id,
        "type": "private",
        "first_name": "Aino",
        "username": "aino_k",
    }
    assert isinstance(a1["date"], int)
    assert a1["date"] < 10**11


def test_ids_look_like_telegram(sb: Sandbox):
    user = sb.add_user("Liisa")
    group = sb.create_group("Laitila", [user])
    supergroup = sb.create_group("Rauma", [user], supergroup=True)
    assert 10**8 <= user.id < 10**10 + 1
    assert user.chat_id == user.id
    assert group["id"] < 0
    assert str(supergroup["id"]).startswith("-100")
    assert Sandbox(seed=7).add_user("Liisa").id == Sandbox(seed=7).add_user("Liisa").id


def test_group_commands_are_addressed_and_privacy_mode_filters(sb: Sandbox, aino: SimUser):
    eero = sb.add_user("Eero")
    group = sb.create_group("Laitila workshop", [aino, eero])
    sb.add_bot_to_group(group, aino)
    ok(sb, "getUpdates", offset=-1)  # skip the join updates
    ok(sb, "getUpdates", offset=sb.pending_updates()[-1]["update_id"] + 1)
    message = sb.command(eero, "vote", chat=group)
    assert message["text"] == f"/vote@{sb.bot_username}"
    assert message["entities"] == [
        {"type": "bot_command", "offset": 0, "length": len(message["text"])}
    ]
    sb.send_text(eero, "just chatting", chat=group)
    sb.send_text(eero, "/help@other_bot", chat=group)
    delivered = [u["message"]["text"] for u in sb.pending_updates()]
    assert delivered == [f"/vote@{sb.bot_username}"]
    assert len(sb.messages_in(group["id"])) == 4  # service message + three texts


def test_private_command_with_payload(sb: Sandbox, aino: SimUser):
    message = sb.command(aino, "start", payload="inv_ab12")
    assert message["text"] == "/start inv_ab12"
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]


def test_html_becomes_text_and_entities(sb: Sandbox, aino: SimUser):
    message = ok(
        sb,
        "sendMessage",
        chat_id=aino.id,
        text="<b>Tervetuloa</b> 🌾 <i>Laitila &amp; Rauma</i>",
        parse_mode="HTML",
    )
    assert message["text"] == "Tervetuloa 🌾 Laitila & Rauma"
    # The emoji is two UTF-16 code units: entity offsets count those, as Telegram's do.
    assert message["entities"] == [
        {"type": "bold", "offset": 0, "length": 10},
        {"type": "italic", "offset": 14, "length": 15},
    ]


def test_malformed_html_is_a_400(sb: Sandbox, aino: SimUser):
    code, description = error(sb, "sendMessage", chat_id=aino.id, text="<b>oops", parse_mode="HTML")
    assert code == 400
    assert description.startswith("Bad Request: can't parse entities: ")
    assert sb.bot_messages(aino.id) == []


def test_callback_data_over_64_bytes_is_rejected(sb: Sandbox, aino: SimUser):
    def keyboard(data: str) -> dict:
        return {"inline_keyboard": [[{"text": "Go", "callback_data": data}]]}

    assert ok(sb, "sendMessage", chat_id=aino.id, text="ok", reply_markup=keyboard("x" * 64))
    code, description = error(
        sb, "sendMessage", chat_id=aino.id, text="no", reply_markup=keyboard("ä" * 33)
    )
    assert (code, description) == (400, "Bad Request: BUTTON_DATA_INVALID")


def test_editing_to_identical_content_is_not_modified(sb: Sandbox, aino: SimUser):
    markup = {"inline_keyboard": [[{"text": "Yes", "callback_data": "y"}]]}
    sent = ok(sb, "sendMessage", chat_id=aino.id, text="Ready?", reply_markup=markup)
    code, description = error(
        sb,
        "editMessageText",
        chat_id=aino.id,
        message_id=sent["message_id"],
        text="Ready?",
        reply_markup=markup,
    )
    assert code == 400
    assert description.startswith("Bad Request: message is not modified")
    edited = ok(sb, "editMessageText", chat_id=aino.id, message_id=sent["message_id"], text="Done")
    assert edited["text"] == "Done"
    assert "reply_markup" not in edited
    assert "edit_date" in edited
    assert sb.last_bot_message(aino.id)["text"] == "Done"
    code, _ = error(sb, "editMessageReplyMarkup", chat_id=aino.id, message_id=sent["message_id"])
    assert code == 400


def test_errors_for_unknown_chat_blocked_user_long_text(sb: Sandbox, aino: SimUser):
    assert error(sb, "sendMessage", chat_id=12345, text="hi") == (
        400,
        "Bad Request: chat not found",
    )
    assert error(sb, "sendMessage", chat_id=aino.id, text="x" * 4097) == (
        400,
        "Bad Request: message is too long",
    )
    sb.block_bot(aino)
    assert error(sb, "sendMessage", chat_id=aino.id, text="hi") == (
        403,
        "Forbidden: bot was blocked by the user",
    )
    assert sb.pending_updates()[-1]["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    sb.unblock_bot(aino)
    assert ok(sb, "sendMessage", chat_id=aino.id, text="hi")["text"] == "hi"


def test_bot_cannot_start_a_conversation(sb: Sandbox):
    stranger = sb.add_user("Matti")
    assert error(sb, "sendMessage", chat_id=stranger.id, text="hi")[0] == 403
    sb.command(stranger, "start")
    assert ok(sb, "sendMessage", chat_id=stranger.id, text="hi")


def test_wrong_token_and_unknown_method(sb: Sandbox):
    reply = sb.handle_api("123456:" + "A" * 35, "getMe", {})
    assert reply.status == 401
    assert sb.handle_api("garbage", "getMe", {}).status == 404
    code, description = error(sb, "sendSticker", chat_id=1, sticker="x")
    assert (code, description) == (404, "Not Found")
    assert [call.method for call in sb.unimplemented_calls] == ["sendSticker"]


def test_method_names_are_case_insensitive(sb: Sandbox):
    assert ok(sb, "getme")["username"] == sb.bot_username


def test_stop_poll_twice_and_vote_retract(sb: Sandbox, aino: SimUser):
    eero = sb.add_user("Eero")
    group = sb.create_group("Workshop", [aino, eero])
    sb.add_bot_to_group(group, aino)
    sent = ok(
        sb,
        "sendPoll",
        chat_id=group["id"],
        question="Priority?",
        options=[{"text": "Mobility"}, {"text": "Remote work"}],
        is_anonymous=False,
    )
    poll_id = sent["poll"]["id"]
    ok(sb, "getUpdates", offset=sb.pending_updates()[-1]["update_id"] + 1)
    sb.vote(aino, poll_id, [1])
    sb.vote(eero, poll_id, [0])
    sb.retract_vote(eero, poll_id)
    answers = [u["poll_answer"] for u in sb.pending_updates() if "poll_answer" in u]
    assert [(a["user"]["id"], a["option_ids"], a["option_persistent_ids"]) for a in answers] == [
        (aino.id, [1], ["1"]),
        (eero.id, [0], ["0"]),
        (eero.id, [], []),
    ]
    stopped = ok(sb, "stopPoll", chat_id=group["id"], message_id=sent["message_id"])
    assert stopped["is_closed"]
    assert stopped["total_voter_count"] == 1
    assert [o["voter_count"] for o in stopped["options"]] == [0, 1]
    assert sb.pending_updates()[-1]["poll"]["is_closed"] is True
    assert error(sb, "stopPoll", chat_id=group["id"], message_id=sent["message_id"]) == (
        400,
        "Bad Request: poll has already been closed",
    )
    with pytest.raises(SandboxError):
        sb.vote(eero, poll_id, [0])


def test_a_timed_poll_closes_itself_at_its_deadline():
    now = [1_800_000_000.0]
    sb = Sandbox(clock=lambda: now[0])
    aino = sb.add_user("Aino")
    aino.started = True
    sent = ok(sb, "sendPoll", chat_id=aino.id, question="Q?", options=["a", "b"], open_period=60)
    poll_id = sent["poll"]["id"]
    assert sent["poll"]["close_date"] == sent["date"] + 60
    now[0] += 59
    sb.vote(aino, poll_id, [0])
    assert not ok(sb, "getUpdates")[-1]["poll"]["is_closed"]
    now[0] += 1
    # Nobody votes or stops it: the next getUpdates brings the closed poll anyway.
    closed = ok(sb, "getUpdates")[-1]["poll"]
    assert (closed["is_closed"], closed["total_voter_count"]) == (True, 1)
    assert sb.poll(poll_id)["is_closed"]
    with pytest.raises(SandboxError, match="closed"):
        sb.vote(aino, poll_id, [1])
    assert error(sb, "stopPoll", chat_id=aino.id, message_id=sent["message_id"]) == (
        400,
        "Bad Request: poll has already been closed",
    )


def test_anonymous_polls_send_no_poll_answers(sb: Sandbox, aino: SimUser):
    sent = ok(sb, "sendPoll", chat_id=aino.id, question="Q?", options=["a", "b"])
    sb.vote(aino, sent["poll"]["id"], [0])
    kinds = [next(k for k in u if k != "update_id") for u in sb.pending_updates()]
    assert "poll_answer" not in kinds
    assert kinds[-1] == "poll"


def test_commands_are_stored_per_scope_and_language(sb: Sandbox):
    ok(
        sb,
        "setMyCommands",
        commands=[{"command": "start", "description": "Aloita"}],
        language_code="fi",
    )
    group_scope = {"type": "all_group_chats"}
    ok(
        sb,
        "setMyCommands",
        commands=[{"command": "poll", "description": "Poll"}],
        scope=group_scope,
    )
    assert sb.commands(language_code="fi") == [{"command": "start", "description": "Aloita"}]
    assert sb.commands() == []
    assert ok(sb, "getMyCommands", scope=group_scope)[0]["command"] == "poll"
    ok(sb, "deleteMyCommands", scope=group_scope)
    assert sb.commands(scope=group_scope) == []
    assert error(sb, "setMyCommands", commands=[{"command": "Bad!", "description": "x"}])[0] == 400


def test_flood_mode_answers_429_with_retry_after():
    sb = Sandbox(seed=1, flood_mode=True)
    user = sb.add_user("Aino")
    sb.command(user, "start")
    statuses = [api(sb, "sendMessage", chat_id=user.id, text=str(i)) for i in range(5)]
    limited = [body for status, body in statuses if status == 429]
    assert limited
    assert limited[0]["parameters"]["retry_after"] >= 1
    assert limited[0]["description"].startswith("Too Many Requests: retry after ")


def test_faults_have_no_effect_and_are_recorded(sb: Sandbox, aino: SimUser):
    sb.faults.once("sendMessage", "429", retry_after=2)
    status, body = api(sb, "sendMessage", chat_id=aino.id, text="hi")
    assert status == 429
    assert body["parameters"] == {"retry_after": 2}
    assert sb.bot_messages(aino.id) == []
    assert sb.outbox[-1].fault == "429"
    sb.faults.once("sendMessage", "5xx")
    assert api(sb, "sendMessage", chat_id=aino.id, text="hi")[0] == 502
    sb.faults.once("sendMessage", "timeout", delay=4)
    reply = sb.handle_api(sb.token, "sendMessage", {"chat_id": str(aino.id), "text": "hi"})
    assert reply.delay == 4
    assert sb.bot_messages(aino.id) == []
    assert ok(sb, "sendMessage", chat_id=aino.id, text="hi")


def test_fault_rule_is_seeded(sb: Sandbox, aino: SimUser):
    rule = sb.faults.rule(methods={"sendMessage"}, probability=0.5, kinds=("400",), seed=3)
    outcomes = [api(sb, "sendMessage", chat_id=aino.id, text="x")[0] for _ in range(20)]
    rule.remove()
    assert 400 in outcomes
    assert 200 in outcomes
    assert api(sb, "sendMessage", chat_id=aino.id, text="x")[0] == 200


def test_press_button_and_answer_once(sb: Sandbox, aino: SimUser):
    markup = {
        "inline_keyboard": [
            [
                {"text": "Suomi", "callback_data": "lang:fi"},
                {"text": "English", "callback_data": "lang:en"},
            ]
        ]
    }
    sent = ok(sb, "sendMessage", chat_id=aino.id, text="Kieli?", reply_markup=markup)
    query = sb.press_button(aino, sent, text="English")
    assert query["data"] == "lang:en"
    assert query["message"]["message_id"] == sent["message_id"]
    assert ok(sb, "answerCallbackQuery", callback_query_id=query["id"], text="OK") is True
    assert error(sb, "answerCallbackQuery", callback_query_id=query["id"])[0] == 400
    with pytest.raises(SandboxError):
        sb.press_button(aino, sent, "lang:sv")
    forged = sb.press_raw(aino, sent["message_id"], "admin:delete_all")
    assert sb.pending_updates()[-1]["callback_query"]["data"] == forged["data"]


def test_transcript_reads_like_a_chat(sb: Sandbox, aino: SimUser):
    lines: list[str] = []
    sb.on_transcript(lines.append)
    sb.command(aino, "start", payload="abc")
    markup = {
        "inline_keyboard": [
            [{"text": "Suomi", "callback_data": "fi"}, {"text": "English", "callback_data": "en"}]
        ]
    }
    ok(sb, "sendMessage", chat_id=aino.id, text="Welcome", reply_markup=markup)
    assert lines == ["Aino → bot: /start abc", "bot → Aino: Welcome [buttons: Suomi | English]"]


def test_wait_for_timeout_shows_recent_calls(sb: Sandbox, aino: SimUser):
    ok(sb, "sendMessage", chat_id=aino.id, text="first reply")
    with pytest.raises(WaitTimeout) as caught:
        sb.wait_for_bot_message(aino.id, after_count=1, timeout=0.05)
    assert "sendMessage" in str(caught.value)
    assert "first reply" in str(caught.value)


def test_delete_message(sb: Sandbox, aino: SimUser):
    sent = ok(sb, "sendMessage", chat_id=aino.id, text="bye")
    assert ok(sb, "deleteMessage", chat_id=aino.id, message_id=sent["message_id"]) is True
    assert sb.bot_messages(aino.id) == []
    assert error(sb, "deleteMessage", chat_id=aino.id, message_id=sent["message_id"]) == (
        400,
        "Bad Request: message to delete not found",
    )


def test_uploads_are_kept_and_written_with_readable_names(tmp_path):
    from sandbox.wire import Upload
    from tests.sandbox.helpers import png_header

    sb = Sandbox(seed=2, media_dir=tmp_path / "live")
    user = sb.add_user("Aino")
    sb.command(user, "start")
    chart = Upload("photo", "chart.png", "image/png", png_header(800, 600))
    ok(sb, "sendPhoto", {"photo": chart}, chat_id=user.id)
    assert [f.filename for f in sb.files] == ["chart.png"]
    assert [p.name for p in (tmp_path / "live").iterdir()] == ["001-Aino-chart.png"]
    saved = sb.save_media(tmp_path / "later")
    assert [p.read_bytes() for p in saved] == [chart.data]


def test_bot_outside_a_group_is_forbidden(sb: Sandbox, aino: SimUser):
    group = sb.create_group("Laitila", [aino])
    assert error(sb, "sendMessage", chat_id=group["id"], text="hi") == (
        403,
        "Forbidden: bot is not a member of the group chat",
    )
    sb.add_bot_to_group(group, aino)
    assert ok(sb, "sendMessage", chat_id=group["id"], text="hi")["chat"]["type"] == "group"


def test_the_front_answers_every_public_member_through_its_parts(sb: Sandbox, aino: SimUser):
    import inspect

    public = [name for name in dir(Sandbox) if not name.startswith("_")]
    for name in public:
        getattr(sb, name)  # a member delegated to a part that lacks it raises here
    # Delegated methods keep their signature and docstring for help() and editors.
    assert "chat" in inspect.signature(Sandbox.send_text).parameters
    assert Sandbox.wait_for.__doc__.startswith("Block until predicate() is truthy")
    assert sb.send_text(aino, "hei")["text"] == "hei"
    assert sb.outbox == []


def test_poll_limits_as_the_bot_api_names_them(sb: Sandbox, aino: SimUser):
    def send(question: str = "Q?", options: list[str] | None = None, **extra) -> tuple[int, str]:
        return error(
            sb,
            "sendPoll",
            chat_id=aino.id,
            question=question,
            options=options or ["a", "b"],
            **extra,
        )

    assert send("Q" * 301) == (400, "Bad Request: POLL_QUESTION_INVALID")
    assert send(options=["a"]) == (400, "Bad Request: POLL_OPTIONS_COUNT_INVALID")
    assert send(options=[str(n) for n in range(13)]) == (
        400,
        "Bad Request: POLL_OPTIONS_COUNT_INVALID",
    )
    assert send(options=["a", ""]) == (400, "Bad Request: POLL_OPTION_INVALID")
    assert send(options=["a", "b" * 101]) == (400, "Bad Request: POLL_OPTION_INVALID")
    assert send(options=["same", "same"]) == (400, "Bad Request: POLL_OPTION_DUPLICATE")
    assert send(open_period=4) == (400, "Bad Request: POLL_OPEN_PERIOD_INVALID")
    assert send(open_period=2_628_001) == (400, "Bad Request: POLL_OPEN_PERIOD_INVALID")
    sent = ok(sb, "sendPoll", chat_id=aino.id, question="Q" * 300, options=["a", "b" * 100])
    assert len(sent["poll"]["question"]) == 300


def test_a_restricted_bot_may_not_send_in_the_supergroup(sb: Sandbox, aino: SimUser):
    group = sb.create_group("Hall", [aino], supergroup=True)
    sb.add_bot_to_group(group, aino)
    sb.restrict_bot(group, can_send_messages=False)
    assert error(sb, "sendMessage", chat_id=group["id"], text="hi") == (
        400,
        "Bad Request: not enough rights to send text messages to the chat",
    )
    assert error(sb, "sendPoll", chat_id=group["id"], question="Q?", options=["a", "b"]) == (
        400,
        "Bad Request: not enough rights to send polls to the chat",
    )
    # Still in the group: commands reach the bot.
    sb.command(aino, "results", chat=group)
    assert "message" in sb.pending_updates()[-1]
    sb.restrict_bot(group, can_send_messages=True)
    assert ok(sb, "sendMessage", chat_id=group["id"], text="hi")["text"] == "hi"
    plain = sb.create_group("Old hall", [aino])
    sb.add_bot_to_group(plain, aino)
    with pytest.raises(SandboxError, match="supergroup"):
        sb.restrict_bot(plain, can_send_messages=False)
