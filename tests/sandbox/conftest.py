"""Fixtures for the sandbox's own tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from telegram.ext import Application, ApplicationBuilder

from sandbox.core import Sandbox, SimUser
from sandbox.ptb import SandboxRequest
from sandbox.server import SandboxServer
from sandbox.testing import running_server


@pytest.fixture
def sb() -> Sandbox:
    """A fresh sandbox with a fixed seed."""
    return Sandbox(seed=7)


@pytest.fixture
def aino(sb: Sandbox) -> SimUser:
    """A Finnish-speaking resident who has started the bot."""
    user = sb.add_user("Aino", language_code="fi", username="aino_k")
    user.started = True
    return user


@pytest.fixture
def server(sb: Sandbox) -> Iterator[SandboxServer]:
    """The sandbox served over HTTP on loopback."""
    with running_server(sb) as running:
        yield running


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
    """Initialize, start and poll quickly (short long-poll so stopping is fast)."""
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(timeout=1, poll_interval=0)


async def stop_polling(app: Application) -> None:
    """Stop polling and shut the application down."""
    assert app.updater is not None
    await app.updater.stop()
    await app.stop()
    await app.shutdown()


@pytest.fixture
async def polling_app(sb: Sandbox, server: SandboxServer) -> AsyncIterator[Application]:
    """A PTB Application over HTTP; tests add handlers, then call start_polling."""
    app = http_application(sb, server)
    yield app
    if app.running:
        await stop_polling(app)
