"""The Bot API methods, one module per tier (boot, conversation, polls, media, groups).

Each tier object answers its methods on the shared SandboxState; `methods()` maps the Bot
API names to handlers taking (params, files). Handlers run with the state's lock held.
"""

from collections.abc import Callable
from typing import Any

from sandbox.wire import Upload

MethodHandler = Callable[[dict[str, Any], dict[str, Upload]], Any]
