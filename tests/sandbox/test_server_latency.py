"""The HTTP server's fixed latency: every answer held back, none held up by another."""

from __future__ import annotations

import asyncio
import http.client
import math
import threading
import time

import httpx
import pytest

from sandbox.core import Sandbox
from sandbox.server import SandboxServer
from sandbox.testing import running_server

LATENCY = 0.5


async def timed_call(
    client: httpx.AsyncClient, server: SandboxServer, sb: Sandbox, method: str, **fields: str
) -> tuple[float, float, httpx.Response]:
    """(sent, answered) wall-clock times of one Bot API call, and its response."""
    sent = time.time()
    response = await client.post(f"{server.base_url}{sb.token}/{method}", data=fields)
    return sent, time.time(), response


async def test_an_answer_comes_back_no_sooner_than_the_latency_after_the_call_arrived():
    sb = Sandbox(seed=7)
    with running_server(sb) as server:
        server.latency = LATENCY
        async with httpx.AsyncClient() as client:
            sent, answered, response = await timed_call(client, server, sb, "getMe")
    assert response.json()["result"]["username"] == sb.bot_username
    [call] = sb.calls("getMe")
    # The sandbox saw the call when it arrived; only the answer was held back.
    assert sent <= call.at
    assert answered - call.at >= LATENCY


async def test_a_long_poll_answer_is_delayed_too():
    sb = Sandbox(seed=7)
    user = sb.add_user("Aino")
    sb.send_text(user, "hello")
    with running_server(sb) as server:
        server.latency = LATENCY
        async with httpx.AsyncClient() as client:
            sent, answered, response = await timed_call(
                client, server, sb, "getUpdates", timeout="0"
            )
    assert [u["message"]["text"] for u in response.json()["result"]] == ["hello"]
    assert answered - sent >= LATENCY


async def test_calls_in_parallel_wait_out_the_latency_together():
    sb = Sandbox(seed=7)
    calls = 10
    with SandboxServer(sb, latency=LATENCY) as server:
        async with httpx.AsyncClient() as client:
            started = time.time()
            timings = await asyncio.gather(
                *(timed_call(client, server, sb, "getMe") for _ in range(calls))
            )
            finished = time.time()
    assert all(response.status_code == 200 for _, _, response in timings)
    assert all(answered - sent >= LATENCY for sent, answered, _ in timings)
    # One after another they would take calls × LATENCY = 5 s; together, about LATENCY.
    assert finished - started < calls * LATENCY / 2


@pytest.mark.parametrize("seconds", [-0.1, math.nan, math.inf])
def test_a_latency_that_is_not_a_duration_is_refused(seconds: float):
    sb = Sandbox(seed=7)
    with pytest.raises(ValueError, match="latency must be a finite number of seconds"):
        SandboxServer(sb, latency=seconds)
    server = SandboxServer(sb)
    with pytest.raises(ValueError, match="latency must be a finite number of seconds"):
        server.latency = seconds
    assert server.latency == 0.0


def test_hundreds_of_connections_opened_at_once_are_all_answered_without_a_retry():
    # PTB pools up to 256 connections and, with every answer delayed, opens them at once.
    sb = Sandbox(seed=7)
    connections = 256
    durations: list[float] = []
    failures: list[str] = []

    def call(port: int) -> None:
        sent = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            connection.request("POST", f"/bot{sb.token}/getMe", headers={"Content-Length": "0"})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                failures.append(f"status {response.status}")
        except OSError as error:
            failures.append(repr(error))
        finally:
            connection.close()
        durations.append(time.monotonic() - sent)

    with SandboxServer(sb, latency=LATENCY) as server:
        threads = [threading.Thread(target=call, args=(server.port,)) for _ in range(connections)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures == []
    # A connection the listen backlog had no room for is retried by TCP after a second.
    assert max(durations) < LATENCY + 1.0
