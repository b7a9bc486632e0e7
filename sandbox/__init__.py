"""An offline Telegram: a Bot API emulator for demos, tests and benchmarks.

`SandboxRequest` (the in-process PTB transport) lives in `sandbox.ptb`, kept apart so that
the core and the HTTP server never import telegram.
"""

from sandbox.core import ApiCall, Sandbox, SimUser, StoredFile
from sandbox.errors import ApiError, SandboxError, WaitTimeout
from sandbox.server import SandboxServer

__all__ = [
    "ApiCall",
    "ApiError",
    "Sandbox",
    "SandboxError",
    "SandboxServer",
    "SimUser",
    "StoredFile",
    "WaitTimeout",
]
