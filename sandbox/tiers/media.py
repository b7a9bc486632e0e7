"""The media tier: photos, documents and albums the bot sends, getFile, and the stored bytes."""

from __future__ import annotations

import copy
import re
import string
from pathlib import Path
from typing import Any

from sandbox.errors import ApiError, bad_request
from sandbox.limits import (
    MAX_CAPTION_LENGTH,
    MAX_DOWNLOAD_BYTES,
    MAX_MEDIA_GROUP,
    MAX_PHOTO_BYTES,
    MAX_UPLOAD_BYTES,
    MIN_MEDIA_GROUP,
)
from sandbox.media import image_size, photo_ladder
from sandbox.state import SandboxState, StoredFile
from sandbox.tiers import MethodHandler
from sandbox.tiers.requests import bot_message, formatted, writable_chat
from sandbox.wire import Upload


class MediaTier:
    """Files the bot uploads (multipart or by file_id), kept so a demo can save them."""

    def __init__(self, state: SandboxState) -> None:
        self._state = state

    def methods(self) -> dict[str, MethodHandler]:
        """This tier's Bot API methods."""
        return {
            "sendPhoto": self._api_send_photo,
            "sendDocument": self._api_send_document,
            "sendMediaGroup": self._api_send_media_group,
            "getFile": self._api_get_file,
        }

    def _next_file_ids(self, prefix: str) -> tuple[str, str]:
        self._state.file_counter += 1
        tail = "".join(self._state.rng.choices(string.ascii_letters + string.digits + "_-", k=40))
        unique = "".join(self._state.rng.choices(string.ascii_letters + string.digits, k=12))
        return f"{prefix}{self._state.file_counter:04d}{tail}", f"AQAD{unique}"

    def store(self, upload: Upload, kind: str, chat_id: int, **size: int) -> StoredFile:
        """Keep a file's bytes under a new file_id and file_path (a photo: one size)."""
        prefix = "AgACAgIAAxkBAA" if kind == "photo" else "BQACAgIAAxkBAA"
        file_id, unique_id = self._next_file_ids(prefix)
        suffix = Path(upload.filename).suffix or (".jpg" if kind == "photo" else "")
        folder = "photos" if kind == "photo" else "documents"
        stored = StoredFile(
            file_id=file_id,
            file_unique_id=unique_id,
            file_path=f"{folder}/file_{self._state.file_counter}{suffix}",
            data=upload.data,
            kind=kind,
            filename=upload.filename,
            mime_type=upload.content_type,
            **size,
        )
        self._state.files[file_id] = stored
        self._state.files_by_path[stored.file_path] = stored
        return stored

    def _keep_upload(self, stored: StoredFile, chat_id: int) -> None:
        self._state.uploads.append(stored)
        if self._state.media_dir is not None:
            self.write_media(self._state.media_dir, len(self._state.uploads), stored, chat_id)

    def write_media(self, folder: Path, number: int, stored: StoredFile, chat_id: int) -> Path:
        """Write a stored file to folder as NNN-chat-name, for a person to open."""
        folder.mkdir(parents=True, exist_ok=True)
        label = re.sub(r"[^A-Za-z0-9_-]+", "-", self._state.chat_label(chat_id)).strip("-")
        path = folder / f"{number:03d}-{label}-{Path(stored.filename).name}"
        path.write_bytes(stored.data)
        return path

    def _input_file(self, value: Any, files: dict[str, Upload], field: str) -> Upload | str:
        if isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value.removeprefix("attach://"))
            if upload is None:
                raise bad_request(f"file for {field} not found in the request")
            return upload
        if value:
            return str(value)
        if field in files:
            return files[field]
        raise bad_request(f"there is no {field} in the request")

    def _photo_sizes(self, source: Upload | str, chat_id: int) -> list[dict[str, Any]]:
        if isinstance(source, str):
            return self._sizes_for_file_id(source)
        if len(source.data) > MAX_PHOTO_BYTES:
            raise bad_request("PHOTO_INVALID_DIMENSIONS")
        dimensions = image_size(source.data)
        if dimensions is None:
            raise bad_request("IMAGE_PROCESS_FAILED")
        sizes = []
        ladder = photo_ladder(*dimensions)
        for width, height in ladder:
            stored = self.store(source, "photo", chat_id, width=width, height=height)
            sizes.append(self.photo_size(stored))
        self._keep_upload(self._state.files[sizes[-1]["file_id"]], chat_id)
        return sizes

    @staticmethod
    def photo_size(stored: StoredFile) -> dict[str, Any]:
        """The PhotoSize JSON of one stored size."""
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "width": stored.width,
            "height": stored.height,
        }

    def _sizes_for_file_id(self, file_id: str) -> list[dict[str, Any]]:
        if file_id.startswith(("http://", "https://")):
            raise bad_request("failed to get HTTP URL content")  # no internet here
        stored = self._state.files.get(file_id)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if stored.kind != "photo":
            raise bad_request(f"can't use file of type {stored.kind.title()} as Photo")
        for messages in self._state.messages.values():
            for message in messages:
                photo = message.get("photo") or []
                if any(size["file_id"] == file_id for size in photo):
                    return copy.deepcopy(photo)
        raise bad_request("wrong file identifier/HTTP URL specified")

    def _document(self, source: Upload | str, chat_id: int) -> dict[str, Any]:
        if isinstance(source, str):
            stored = self._state.files.get(source)
            if stored is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
        else:
            if len(source.data) > MAX_UPLOAD_BYTES:
                raise ApiError(413, "Request Entity Too Large")
            stored = self.store(source, "document", chat_id)
            self._keep_upload(stored, chat_id)
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": Path(stored.filename).name,
            "mime_type": stored.mime_type,
            "file_size": len(stored.data),
        }

    def _caption(self, params: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        return formatted(
            params.get("caption"),
            params.get("parse_mode"),
            params.get("caption_entities"),
            limit=MAX_CAPTION_LENGTH,
            too_long="message caption is too long",
            required=False,
        )

    def _api_send_photo(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        chat = writable_chat(self._state, params, "photos")
        caption, entities = self._caption(params)
        sizes = self._photo_sizes(self._input_file(params.get("photo"), files, "photo"), chat["id"])
        return bot_message(
            self._state,
            chat,
            params,
            photo=sizes,
            caption=caption or None,
            caption_entities=entities,
        )

    def _api_send_document(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        chat = writable_chat(self._state, params, "documents")
        caption, entities = self._caption(params)
        source = self._input_file(params.get("document"), files, "document")
        document = self._document(source, chat["id"])
        return bot_message(
            self._state,
            chat,
            params,
            document=document,
            caption=caption or None,
            caption_entities=entities,
        )

    def _api_send_media_group(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        chat = writable_chat(self._state, params)
        media = params.get("media")
        if not isinstance(media, list) or not MIN_MEDIA_GROUP <= len(media) <= MAX_MEDIA_GROUP:
            raise bad_request("wrong number of media in the album")
        kinds = {item.get("type") for item in media}
        if not kinds <= {"photo", "document"} or len(kinds) > 1:
            raise bad_request("the sandbox supports albums of photos or of documents only")
        group_id = str(self._state.random_digits(17))
        prepared = []
        for item in media:
            caption, entities = self._caption(item)
            # In an album each item names its own file (a file_id or attach://<name>); an
            # upload under the plain field name "media" would be the same for every item.
            if not isinstance(item.get("media"), str) or not item["media"]:
                raise bad_request("there is no media in an album item")
            source = self._input_file(item["media"], files, "media")
            if item["type"] == "photo":
                content: dict[str, Any] = {"photo": self._photo_sizes(source, chat["id"])}
            else:
                content = {"document": self._document(source, chat["id"])}
            prepared.append((content, caption, entities))
        return [
            bot_message(
                self._state,
                chat,
                params if index == 0 else {},
                media_group_id=group_id,
                caption=caption or None,
                caption_entities=entities,
                **content,
            )
            for index, (content, caption, entities) in enumerate(prepared)
        ]

    def _api_get_file(self, params: dict[str, Any], files: dict[str, Upload]) -> Any:
        stored = self._state.files.get(str(params.get("file_id")))
        if stored is None:
            raise bad_request("invalid file_id")
        if len(stored.data) > MAX_DOWNLOAD_BYTES:
            raise bad_request("file is too big")
        return stored.meta()
