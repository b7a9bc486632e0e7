"""Call the sandbox core the way PTB's HTTPXRequest encodes a request."""

from __future__ import annotations

import json
from typing import Any

from telegram.ext import Application, ApplicationBuilder

from sandbox.core import Sandbox
from sandbox.ptb import SandboxRequest
from sandbox.server import SandboxServer
from sandbox.wire import Upload

PNG_1x1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def png_header(width: int, height: int) -> bytes:
    """The first bytes of a PNG of the given size (enough for the sandbox to read it)."""
    return PNG_1x1[:16] + width.to_bytes(4, "big") + height.to_bytes(4, "big") + PNG_1x1[24:]


def api(
    sb: Sandbox, method: str, files: dict[str, Upload] | None = None, **params: Any
) -> tuple[int, dict[str, Any]]:
    """One Bot API call with PTB's encoding (strings as is, the rest JSON); (status, body)."""
    fields = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    reply = sb.handle_api(sb.token, method, fields, files)
    return reply.status, json.loads(reply.body)


def ok(sb: Sandbox, method: str, files: dict[str, Upload] | None = None, **params: Any) -> Any:
    """A call that must succeed; returns its result."""
    status, body = api(sb, method, files, **params)
    assert status == 200, body
    assert body["ok"], body
    return body["result"]


def error(sb: Sandbox, method: str, **params: Any) -> tuple[int, str]:
    """A call that must fail; returns (error_code, description) and checks the envelope."""
    status, body = api(sb, method, **params)
    assert body["ok"] is False, body
    assert body["error_code"] == status, body
    return status, body["description"]


def http_application(sb: Sandbox, server: SandboxServer) -> Application:
    """A real PTB Application pointed at the sandbox's HTTP server."""
    return (
        ApplicationBuilder()
        .token(sb.token)
        .base_url(server.base_url)
        .base_file_url(server.base_file_url)
        .build()
    )


def in_process_application(sb: Sandbox, read_timeout: float = 5.0) -> Application:
    """A real PTB Application whose requests go straight into the sandbox core."""
    return (
        ApplicationBuilder()
        .token(sb.token)
        .request(SandboxRequest(sb, read_timeout=read_timeout))
        .get_updates_request(SandboxRequest(sb, read_timeout=read_timeout))
        .build()
    )


async def start_polling(app: Application) -> None:
    """Initialize, start and long-poll (stopping is quick: the sandbox sees the poll abandoned)."""
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(timeout=10, poll_interval=0)


async def stop_polling(app: Application) -> None:
    """Stop polling and shut the application down."""
    assert app.updater is not None
    await app.updater.stop()
    await app.stop()
    await app.shutdown()
