"""The in-process transport: a python-telegram-bot BaseRequest that calls the core directly.

No sockets, but the same encoding as over HTTP: PTB's RequestData becomes form fields
(``json_parameters``) and file parts, which the core reads with the one shared parser.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

from sandbox.core import Sandbox
from sandbox.errors import not_found
from sandbox.wire import API_ROUTE, FILE_ROUTE, Reply, Upload, error_reply


class SandboxRequest(BaseRequest):
    """Route a PTB Bot's requests into a Sandbox in this process (any base_url works).

    A fixed `latency` (seconds) delays every answer, as a round trip to Telegram would.
    """

    __slots__ = ("_latency", "_read_timeout", "_sandbox")

    def __init__(
        self, sandbox: Sandbox, *, read_timeout: float | None = 5.0, latency: float = 0.0
    ) -> None:
        self._sandbox = sandbox
        self._read_timeout = read_timeout
        self._latency = latency

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout; a delay fault longer than it raises TimedOut."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Nothing to open: no connections in-process."""

    async def shutdown(self) -> None:
        """Nothing to close: no connections in-process."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Answer the request from the sandbox, honouring the read timeout like HTTP would."""
        timeout = self._read_timeout if read_timeout is BaseRequest.DEFAULT_NONE else read_timeout
        reply = await self._reply(url, request_data)
        delay = reply.delay + self._latency
        if delay:
            if timeout is not None and delay > timeout:
                await asyncio.sleep(timeout)
                raise TimedOut
            await asyncio.sleep(delay)
        return reply.status, reply.body

    async def _reply(self, url: str, request_data: RequestData | None) -> Reply:
        parts = urlsplit(url)
        path = unquote(parts.path)  # PTB percent-encodes the token's colon in file URLs
        if match := FILE_ROUTE.fullmatch(path):
            return self._sandbox.handle_file(match["token"], match["path"])
        match = API_ROUTE.fullmatch(path)
        if match is None:
            return error_reply(not_found())
        fields: dict[str, Any] = dict(parse_qsl(parts.query))
        files: dict[str, Upload] = {}
        if request_data is not None:
            fields.update(request_data.json_parameters)
            for name, (filename, content, mime_type) in request_data.multipart_data.items():
                data = content if isinstance(content, bytes) else content.read()
                files[name] = Upload(name, filename or name, mime_type, data)
        token, method = match["token"], match["method"]
        if method.lower() != "getupdates":
            return self._sandbox.handle_api(token, method, fields, files)
        # A long poll blocks on the core's condition: do it off the event loop, and tell the
        # core when this task is cancelled so the 409 guard frees at once.
        cancelled = threading.Event()
        try:
            return await asyncio.to_thread(
                self._sandbox.handle_api, token, method, fields, files, abandoned=cancelled.is_set
            )
        finally:
            cancelled.set()
