"""Run the sandbox standalone: `python -m sandbox --port 8081 [--token T]`.

Prints the base URLs and a live transcript; type lines on stdin to act as users:
    as Aino: /start          Aino writes to the bot (created on first use)
    press Aino: English      Aino presses a button on the bot's latest message to her
Ctrl-C stops it (end of input does not, so it can run in the background).
"""

from __future__ import annotations

import argparse
import re
import sys
import threading

from sandbox.core import Sandbox, SimUser
from sandbox.errors import SandboxError
from sandbox.server import SandboxServer

_LINE = re.compile(r"(?P<verb>as|press)\s+(?P<name>[^:]+):\s*(?P<text>.+)")


def _act(sandbox: Sandbox, users: dict[str, SimUser], line: str) -> None:
    match = _LINE.fullmatch(line.strip())
    if match is None:
        print("?? use `as <name>: <text>` or `press <name>: <button text>`", flush=True)
        return
    name = match["name"].strip()
    if name not in users:
        users[name] = sandbox.add_user(name)
    user = users[name]
    try:
        if match["verb"] == "as":
            sandbox.send_text(user, match["text"])
        else:
            message = sandbox.last_bot_message(user.id)
            if message is None:
                print(f"?? the bot has not written to {name} yet", flush=True)
                return
            sandbox.press_button(user, message, text=match["text"].strip())
    except SandboxError as error:
        print(f"?? {error}", flush=True)


def main(argv: list[str] | None = None) -> None:
    """Serve a sandbox until Ctrl-C, echoing the transcript and reading user actions."""
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--token", default=None, help="bot token (default: drawn from --seed)")
    parser.add_argument("--username", default="seroi_demo_bot")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--media-dir", default=None, help="save every uploaded file here")
    args = parser.parse_args(argv)

    sandbox = Sandbox(
        token=args.token, bot_username=args.username, seed=args.seed, media_dir=args.media_dir
    )
    sandbox.on_transcript(lambda line: print(line, flush=True))
    users: dict[str, SimUser] = {}
    with SandboxServer(sandbox, host=args.host, port=args.port) as server:
        print(f"token         {sandbox.token}")
        print(f"base_url      {server.base_url}")
        print(f"base_file_url {server.base_file_url}")
        print("type `as <name>: <text>` or `press <name>: <button>`; Ctrl-C stops", flush=True)

        def read_stdin() -> None:
            for line in sys.stdin:
                if line.strip():
                    _act(sandbox, users, line)

        threading.Thread(target=read_stdin, name="sandbox-stdin", daemon=True).start()
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopped", flush=True)


if __name__ == "__main__":
    main()
