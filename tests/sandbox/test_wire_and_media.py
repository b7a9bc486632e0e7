"""The shared wire parser, image headers and the standalone command's user actions."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image

from sandbox.__main__ import Console, build_parser
from sandbox.core import Sandbox
from sandbox.errors import ApiError
from sandbox.media import image_size, photo_ladder
from sandbox.wire import decode_params, parse_body


def test_multipart_as_httpx_sends_it():
    request = httpx.Request(
        "POST",
        "http://127.0.0.1/",
        data={"chat_id": "42", "caption": 'Tulos "2025"'},
        files={"photo": ("kaavio ä.png", b"\x89PNG\r\n--not-a-boundary", "image/png")},
    )
    fields, files = parse_body(request.headers["content-type"], request.read())
    assert fields == {"chat_id": "42", "caption": 'Tulos "2025"'}
    assert files["photo"].filename == "kaavio ä.png"
    assert files["photo"].data == b"\x89PNG\r\n--not-a-boundary"


def test_urlencoded_and_json_bodies():
    request = httpx.Request("POST", "http://127.0.0.1/", data={"text": "a&b=c", "chat_id": "-1"})
    fields, _ = parse_body(request.headers["content-type"], request.read())
    assert decode_params(fields) == {"text": "a&b=c", "chat_id": -1}
    fields, _ = parse_body("application/json", b'{"chat_id": 5, "text": "123"}')
    assert decode_params(fields) == {"chat_id": 5, "text": "123"}


def test_fields_are_typed_per_parameter_like_telegram():
    params = decode_params(
        {"text": "42", "message_id": "7", "is_anonymous": "false", "options": '["a","b"]'}
    )
    assert params == {"text": "42", "message_id": 7, "is_anonymous": False, "options": ["a", "b"]}
    with pytest.raises(ApiError, match="can't parse reply_markup JSON object"):
        decode_params({"reply_markup": "{not json"})


@pytest.mark.parametrize("image_format", ["PNG", "JPEG", "GIF"])
def test_image_size_reads_real_headers(image_format: str):
    buffer = io.BytesIO()
    Image.new("RGB", (1081, 719), (200, 10, 10)).save(buffer, format=image_format)
    assert image_size(buffer.getvalue()) == (1081, 719)


def test_image_size_rejects_other_bytes():
    assert image_size(b"%PDF-1.4") is None


def test_photo_ladder_ascends_and_caps_at_1280():
    assert photo_ladder(2560, 1440) == [(90, 51), (320, 180), (800, 450), (1280, 720)]
    assert photo_ladder(200, 100) == [(90, 45), (200, 100)]


def test_standalone_user_actions_print_ids_and_set_languages(sb: Sandbox):
    printed: list[str] = []
    console = Console(sb, printed.append)
    console.act("as Aino: /start")
    aino = console.users["Aino"]
    assert printed == [f"user Aino: id {aino.id}, language en"]
    assert sb.pending_updates()[-1]["message"]["text"] == "/start"
    assert sb.pending_updates()[-1]["message"]["from"]["language_code"] == "en"
    console.act("as Aino (fi): /language")
    assert printed[-1] == "user Aino: language fi"
    assert sb.pending_updates()[-1]["message"]["from"]["language_code"] == "fi"
    console.act("as Eero (SV): hej")
    assert console.users["Eero"].language_code == "sv"
    assert printed[-1] == f"user Eero: id {console.users['Eero'].id}, language sv"
    console.act("users")
    assert printed[-2:] == [
        f"user Aino: id {aino.id}, language fi",
        f"user Eero: id {console.users['Eero'].id}, language sv",
    ]


def test_standalone_bad_lines_are_explained(sb: Sandbox):
    printed: list[str] = []
    console = Console(sb, printed.append)
    console.act("as Aino (suomi!): hei")
    assert printed == ["?? 'suomi!' is not a language code such as fi, en, it or sv"]
    assert "Aino" not in console.users
    console.act("hello")
    assert printed[-1].startswith("?? use `as <name>: <text>`")
    console.act("press Aino: English")
    assert printed[-1] == "?? the bot has not written to Aino yet"


def test_standalone_transcript_shows_whole_messages(sb: Sandbox):
    aino = sb.add_user("Aino")
    aino.started = True
    text = "Tervetuloa! " * 60 + "loppu"
    sb.handle_api(sb.token, "sendMessage", {"chat_id": str(aino.id), "text": text})
    assert sb.transcript[-1] == f"bot → Aino: {text}"


def test_standalone_flags_are_documented_and_tokens_checked(capsys: pytest.CaptureFixture[str]):
    parser = build_parser()
    help_text = parser.format_help()
    for flag in ("--host", "--port", "--token", "--username", "--seed", "--admin", "--media-dir"):
        assert flag in help_text
    assert "as NAME (fi): TEXT" in help_text
    with pytest.raises(SystemExit):
        parser.parse_args(["--token", "dummy"])
    assert "a bot token looks like 1234567890:AAH" in capsys.readouterr().err
    token = "7000000001:" + "A" * 35
    assert parser.parse_args(["--token", token]).token == token
