"""Fixtures for the sandbox's own tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from telegram.ext import Application

from sandbox.core import Sandbox, SimUser
from sandbox.server import SandboxServer
from sandbox.testing import running_server
from tests.sandbox.helpers import http_application, stop_polling


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


@pytest.fixture
async def polling_app(sb: Sandbox, server: SandboxServer) -> AsyncIterator[Application]:
    """A PTB Application over HTTP; tests add handlers, then call start_polling."""
    app = http_application(sb, server)
    yield app
    if app.running:
        await stop_polling(app)
