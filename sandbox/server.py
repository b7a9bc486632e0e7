"""The HTTP transport: a real HTTP/1.1 server on loopback speaking the Bot API.

A fixed `latency` delays every answer (as a round trip to Telegram would), each on its own
connection's thread, so calls in parallel still overlap.
"""

from __future__ import annotations

import math
import select
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qsl, unquote, urlsplit

from sandbox.core import Sandbox
from sandbox.errors import ApiError, not_found
from sandbox.wire import API_ROUTE, FILE_ROUTE, Reply, error_reply, parse_body


def _client_gone(connection: socket.socket) -> bool:
    """True once the client closed its end (a long poll nobody waits for any more)."""
    try:
        readable, _, _ = select.select([connection], [], [], 0)
        return bool(readable) and connection.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without TCP_NODELAY, Nagle plus delayed ACKs
    # cap a keep-alive connection at ~25 requests per second.
    disable_nagle_algorithm = True
    server: _SandboxHTTPServer

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        sandbox = self.server.sandbox
        path = unquote(parts.path)  # PTB percent-encodes the token's colon in file URLs
        if match := FILE_ROUTE.fullmatch(path):
            reply = sandbox.handle_file(match["token"], match["path"])
        elif match := API_ROUTE.fullmatch(path):
            try:
                fields, files = parse_body(self.headers.get("Content-Type", ""), body)
            except ApiError as error:
                reply = error_reply(error)
            else:
                fields = {**dict(parse_qsl(parts.query)), **fields}
                reply = sandbox.handle_api(
                    match["token"],
                    match["method"],
                    fields,
                    files,
                    abandoned=lambda: _client_gone(self.connection),
                )
        else:
            reply = error_reply(not_found())
        self._send(reply)

    def _send(self, reply: Reply) -> None:
        delay = reply.delay + self.server.latency
        if delay and self.server.stopping.wait(delay):
            return
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        except OSError:
            self.close_connection = True  # the client gave up (e.g. a timeout fault)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the sandbox's outbox and transcript are the log."""


class _SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # A bot with hundreds of calls in flight (PTB pools 256 connections) opens them at once;
    # the default backlog of 5 would reset the rest.
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], sandbox: Sandbox, latency: float) -> None:
        self.sandbox = sandbox
        self.latency = latency
        self.stopping = threading.Event()
        super().__init__(address, _Handler)


class SandboxServer:
    """Serve a Sandbox over HTTP on loopback; `base_url`/`base_file_url` go to PTB's builder.

    `latency` (seconds, settable while serving) delays every answer, getUpdates' included.
    """

    def __init__(
        self, sandbox: Sandbox, host: str = "127.0.0.1", port: int = 0, *, latency: float = 0.0
    ) -> None:
        self.sandbox = sandbox
        self._host = host
        self._port = port
        self._latency = _checked_latency(latency)
        self._httpd: _SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> SandboxServer:
        """Bind and serve in a daemon thread; returns self."""
        self._httpd = _SandboxHTTPServer((self._host, self._port), self.sandbox, self._latency)
        self._port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},  # so stop() returns promptly
            name="sandbox-http",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port (long polls are woken and end)."""
        if self._httpd is None:
            return
        self._httpd.stopping.set()
        self.sandbox.interrupt_polls()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def latency(self) -> float:
        """Seconds every answer is held back; a change applies to every answer sent after it."""
        return self._latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        self._latency = _checked_latency(seconds)
        if self._httpd is not None:
            self._httpd.latency = self._latency

    @property
    def port(self) -> int:
        """The bound TCP port."""
        return self._port

    @property
    def base_url(self) -> str:
        """For ApplicationBuilder().base_url(...): http://HOST:PORT/bot."""
        return f"http://{self._host}:{self._port}/bot"

    @property
    def base_file_url(self) -> str:
        """For ApplicationBuilder().base_file_url(...): http://HOST:PORT/file/bot."""
        return f"http://{self._host}:{self._port}/file/bot"


def _checked_latency(seconds: float) -> float:
    if not (math.isfinite(seconds) and seconds >= 0):
        raise ValueError(f"latency must be a finite number of seconds ≥ 0, not {seconds!r}")
    return float(seconds)
