"""A person sends a file: a Document in the update, which the bot fetches by getFile."""

from __future__ import annotations

from telegram import Bot, Update

from sandbox.core import Sandbox, SimUser
from tests.sandbox.helpers import ok


def test_a_user_document_arrives_as_the_bot_apis_document(sb: Sandbox, aino: SimUser):
    data = "name: Kylä\n".encode()
    sb.send_document(aino, data, filename="kartta.yaml", mime_type="application/x-yaml")
    update = Update.de_json(sb.pending_updates()[-1], Bot(sb.token))
    document = update.message.document
    assert (document.file_name, document.mime_type, document.file_size) == (
        "kartta.yaml",
        "application/x-yaml",
        len(data),
    )
    assert update.message.text is None
    assert update.message.caption is None
    found = ok(sb, "getFile", file_id=document.file_id)
    assert found["file_size"] == len(data)
    reply = sb.handle_file(sb.token, found["file_path"])
    assert reply.body == data


def test_a_user_document_is_not_one_of_the_bots_uploads(sb: Sandbox, aino: SimUser):
    sb.send_document(aino, b"x", filename="a.txt", caption="/map")
    assert sb.files == []
    update = sb.pending_updates()[-1]
    assert update["message"]["caption_entities"] == [
        {"type": "bot_command", "offset": 0, "length": 4}
    ]
