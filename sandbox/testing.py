"""Helpers for anyone's tests: run a sandbox server, and fail on unimplemented Bot API calls."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sandbox.core import Sandbox
from sandbox.server import SandboxServer


@contextmanager
def running_server(sandbox: Sandbox, host: str = "127.0.0.1") -> Iterator[SandboxServer]:
    """Serve sandbox on a free loopback port for the duration of the with-block."""
    server = SandboxServer(sandbox, host=host).start()
    try:
        yield server
    finally:
        server.stop()


def assert_no_unimplemented_calls(sandbox: Sandbox) -> None:
    """Fail if the bot called a Bot API method the sandbox does not implement."""
    calls = sandbox.unimplemented_calls
    if calls:
        listed = "\n  ".join(call.line() for call in calls)
        raise AssertionError(f"the bot called methods the sandbox does not implement:\n  {listed}")
