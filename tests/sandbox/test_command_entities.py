"""bot_command entities marked as Telegram's clients mark them.

The rules are tdlib's match_bot_commands (td/telegram/MessageEntity.cpp, the library behind
Telegram's apps): "/" + 1-64 of [A-Za-z0-9_], optionally "@" + 3-32 of the same (the Bot
API's MessageEntity example is "/start@jobs_bot"); the character before the slash and the
one after the command may be neither a letter, digit or underscore of any script, nor
"/", "<" or ">".
"""

from __future__ import annotations

import pytest
from telegram import Bot, Update
from telegram.ext import CommandHandler

from sandbox.core import Sandbox, SimUser
from sandbox.htmltext import command_entities
from sandbox.ptb import SandboxRequest
from tests.sandbox.helpers import PNG_1x1, ok


def marked(text: str) -> list[str]:
    """The texts the bot_command entities of text cover (offsets in UTF-16 units)."""
    units = text.encode("utf-16-le")
    return [
        units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in command_entities(text)
    ]


@pytest.mark.parametrize(
    ("text", "commands"),
    [
        # What ends a command: any character that is not a word character, / < or >.
        ("/invite-x coordinator 5 30", ["/invite"]),
        ("/invite.x", ["/invite"]),
        ("/invite, Evil", ["/invite"]),
        ("/newpilot:Evil", ["/newpilot"]),
        ("/invite🙂", ["/invite"]),
        # Case is kept; matching a command case-insensitively is the client library's job.
        ("/INVITE member", ["/INVITE"]),
        # The @username part: 3-32 of [A-Za-z0-9_], or the whole candidate is no command.
        ("/start@jobs_bot", ["/start@jobs_bot"]),
        ("/invite@otherbot member", ["/invite@otherbot"]),
        ("/invite@otherbot-x", ["/invite@otherbot"]),
        ("/invite@ab", []),
        ("/invite@", []),
        ("/invite@" + "b" * 32, ["/invite@" + "b" * 32]),
        ("/invite@" + "b" * 33, []),
        # The name: 1-64 ASCII letters, digits and underscores (setMyCommands allows only 32).
        ("/" + "a" * 64, ["/" + "a" * 64]),
        ("/" + "a" * 65, []),
        ("/a_1", ["/a_1"]),
        ("/ invite", []),
        ("/", []),
        # A letter or digit of any script right after the name makes it no command.
        ("/inviteä", []),
        ("/invite٣", []),
        ("/invite_", ["/invite_"]),
        ("/invite/x", []),
        ("/invite<b>", []),
        # Before the slash: start, space, newline or punctuation, never a word character or /.
        ("//invite", []),
        ("a/invite", []),
        ("ä/invite", []),
        ("_/invite", []),
        ("</invite", []),
        ("(/invite)", ["/invite"]),
        ("hello /invite", ["/invite"]),
        ("hello\n/invite member", ["/invite"]),
        ("/start /help", ["/start", "/help"]),
        ("https://example.org/invite", []),
    ],
)
def test_telegram_marks_these_commands(text: str, commands: list[str]):
    assert marked(text) == commands


def test_offsets_count_utf16_units_before_the_command():
    # "🌾" is two UTF-16 units, so the command after it starts at unit 3, str index 2.
    assert command_entities("🌾 /start") == [{"type": "bot_command", "offset": 3, "length": 6}]


async def test_a_dash_variant_carries_the_shorter_command_and_ptb_runs_it(
    sb: Sandbox, aino: SimUser
):
    # Why the exact marking matters: PTB's CommandHandler reads the entity, so "/invite-x"
    # reaches the "invite" handler. A guard that parses the text differently is fooled.
    sb.send_text(aino, "/invite-x coordinator 5 30")
    bot = Bot(sb.token, request=SandboxRequest(sb), get_updates_request=SandboxRequest(sb))
    await bot.initialize()  # CommandHandler compares a command's @bot with getMe's username
    (update,) = await bot.get_updates()
    assert update.message.entities[0].offset == 0
    assert update.message.entities[0].length == len("/invite")
    handler = CommandHandler("invite", lambda update, context: None)
    assert handler.check_update(update)
    assert update.message.text.split()[0] == "/invite-x"


def test_an_edited_message_carries_the_entities_of_its_new_text(sb: Sandbox, aino: SimUser):
    sent = sb.send_text(aino, "hello")
    assert "entities" not in sent
    edited = sb.edit_text(aino, sent["message_id"], "/INVITE.x member")
    assert edited["entities"] == [{"type": "bot_command", "offset": 0, "length": 7}]
    update = next(u for u in sb.pending_updates() if "edited_message" in u)
    assert update["edited_message"]["entities"] == edited["entities"]
    again = sb.edit_text(aino, sent["message_id"], "no command now")
    assert "entities" not in again


def test_a_caption_carries_caption_entities(sb: Sandbox, aino: SimUser):
    sent = sb.send_photo(aino, PNG_1x1, caption="/newpilot.x Evil")
    assert sent["caption_entities"] == [{"type": "bot_command", "offset": 0, "length": 9}]
    assert "entities" not in sent
    update = Update.de_json(sb.pending_updates()[-1], Bot(sb.token))
    photo_message = update.message
    assert photo_message.photo[-1].width == 1
    assert list(photo_message.parse_caption_entities(["bot_command"]).values()) == ["/newpilot"]
    edited = sb.edit_text(aino, sent["message_id"], "/invite@otherbot")
    assert edited["caption"] == "/invite@otherbot"
    assert edited["caption_entities"] == [{"type": "bot_command", "offset": 0, "length": 16}]


def test_a_user_photo_is_not_one_of_the_bots_uploads(sb: Sandbox, aino: SimUser):
    sb.send_photo(aino, PNG_1x1)
    assert sb.files == []


def test_a_user_photo_must_be_an_image(sb: Sandbox, aino: SimUser):
    from sandbox.errors import SandboxError

    with pytest.raises(SandboxError, match="not a PNG"):
        sb.send_photo(aino, b"not an image")


def test_privacy_mode_delivers_commands_by_their_entity(sb: Sandbox, aino: SimUser):
    group = sb.create_group("Laitila workshop", [aino])
    sb.add_bot_to_group(group, aino)
    ok(sb, "getUpdates", offset=sb.pending_updates()[-1]["update_id"] + 1)
    for text in (
        f"/invite-x@{sb.bot_username}",  # the entity is "/invite": no bot named, delivered
        "/invite@otherbot",  # meant for another bot
        "/ invite",  # no command
        f"/vote@{sb.bot_username} now",
    ):
        sb.send_text(aino, text, chat=group)
    sb.send_photo(aino, PNG_1x1, caption="/invite member", chat=group)
    delivered = [
        u["message"].get("text", u["message"].get("caption")) for u in sb.pending_updates()
    ]
    assert delivered == [
        f"/invite-x@{sb.bot_username}",
        f"/vote@{sb.bot_username} now",
        "/invite member",
    ]
