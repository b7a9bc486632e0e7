"""The standalone sandbox driven as docs/sandbox.md says: `python -m sandbox`, paste its
settings into `seroi-bot run`, act as the admin on the sandbox's stdin."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pytest

STARTUP_TIMEOUT = 20.0  # seconds for a process to start and say it is ready
REPLY_TIMEOUT = 30.0  # seconds for the bot to start polling and answer one command
STOP_TIMEOUT = 10.0


class Output:
    """The lines a process prints, gathered by a thread so a test can wait on them."""

    def __init__(self, stream: IO[str] | None) -> None:
        assert stream is not None, "start the process with stdout=PIPE"
        self.lines: list[str] = []
        self._arrived: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self._arrived.put(line.rstrip("\n"))
        self._arrived.put(None)  # end of output: the process closed it or exited

    def wait_for(self, wanted: Callable[[str], bool], timeout: float, what: str) -> str:
        """The first line (from now on) for which wanted is true; fail after timeout."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                line = self._arrived.get(timeout=max(0.0, remaining))
            except queue.Empty:
                line = None
                remaining = 0
            if line is None:
                shown = "\n  ".join(self.lines[-30:])
                ended = "timed out" if remaining <= 0 else "output ended"
                pytest.fail(f"{ended} waiting for {what}; last lines:\n  {shown}")
            self.lines.append(line)
            if wanted(line):
                return line


@contextmanager
def process(command: list[str], env: dict[str, str], cwd: Path) -> Iterator[subprocess.Popen]:
    """Start a process; at the end ask it to stop (SIGTERM), and kill it if it does not."""
    started = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    try:
        yield started
    finally:
        if started.poll() is None:
            started.send_signal(signal.SIGTERM)
            try:
                started.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                started.kill()
                started.wait(timeout=STOP_TIMEOUT)
        for stream in (started.stdin, started.stdout):
            if stream is not None:
                stream.close()


def base_environment() -> dict[str, str]:
    """This environment without any SEROI_ setting, so only the pasted ones count."""
    kept = {key: value for key, value in os.environ.items() if not key.startswith("SEROI_")}
    return {**kept, "PYTHONUNBUFFERED": "1"}


def pasted_settings(lines: list[str]) -> dict[str, str]:
    """The `export NAME=value` lines of the sandbox's paste block, as a mapping."""
    pairs = (line.strip().removeprefix("export ").partition("=") for line in lines)
    return {name: value for name, _, value in pairs}


def test_bot_runs_against_the_standalone_sandbox_with_only_the_printed_settings(
    tmp_path: Path,
):
    environment = base_environment()
    sandbox_command = [sys.executable, "-m", "sandbox", "--port", "0", "--seed", "11"]
    with process(sandbox_command, environment, tmp_path) as sandbox:
        assert sandbox.stdin is not None
        sandbox_output = Output(sandbox.stdout)
        sandbox_output.wait_for(lambda line: line == "end of settings", STARTUP_TIMEOUT, "setup")
        printed = sandbox_output.lines
        settings = pasted_settings([line for line in printed if line.startswith("  export ")])
        assert set(settings) == {
            "SEROI_TELEGRAM_TOKEN",
            "SEROI_TELEGRAM_API_URL",
            "SEROI_TELEGRAM_FILE_URL",
            "SEROI_ADMIN_IDS",
            "SEROI_PSEUDONYM_KEY",
        }
        admin_line = next(p for p in printed if p.startswith("user Admin: id "))
        assert settings["SEROI_ADMIN_IDS"] == admin_line.split()[3].rstrip(",")
        assert f"token         {settings['SEROI_TELEGRAM_TOKEN']}" in printed

        bot_environment = {
            **environment,
            **settings,
            "SEROI_DB_PATH": str(tmp_path / "seroi.db"),
        }
        # The console script the README names, run by this interpreter (the virtualenv's).
        bot_command = [sys.executable, "-m", "bot.cli", "run"]
        with process(bot_command, bot_environment, tmp_path) as bot:
            bot_output = Output(bot.stdout)

            sandbox.stdin.write("as Admin: /newpilot Laitila\n")
            sandbox.stdin.flush()
            sandbox_output.wait_for(
                lambda line: line.startswith("bot → Admin: Pilot “Laitila” is ready."),
                REPLY_TIMEOUT,
                "the pilot confirmation",
            )
            sandbox.stdin.write("as Admin: /invite member\n")
            sandbox.stdin.flush()
            invite = sandbox_output.wait_for(
                lambda line: line.startswith("bot → Admin: [photo "),
                REPLY_TIMEOUT,
                "the invite",
            )
            assert "Invite to “Laitila” as member: https://t.me/seroi_demo_bot?start=" in invite

            bot.send_signal(signal.SIGTERM)
            assert bot.wait(timeout=STOP_TIMEOUT) == 0, "\n".join(bot_output.lines[-30:])
        sandbox.send_signal(signal.SIGTERM)
        sandbox_output.wait_for(lambda line: line == "stopped", STOP_TIMEOUT, "the sandbox stop")
        assert sandbox.wait(timeout=STOP_TIMEOUT) == 0
    assert not any(line.startswith("bot ✗") for line in sandbox_output.lines)
