"""Charts rendered outside the event loop, in a pool of worker processes.

A chart takes about 100 ms of CPU, and matplotlib holds the GIL while it draws: rendered
in a thread, it would freeze every reply to residents meanwhile. Worker processes draw in
parallel with the bot. The same chart asked for twice at once is rendered once, and a
chart just rendered is kept for a little while: charts are pure functions of their data
(`seroi.charts`), so the key is the data itself and nothing needs invalidating.
"""

from __future__ import annotations

import asyncio
import hashlib
import multiprocessing
import os
import pickle
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, NamedTuple

# Two workers: the machines a pilot runs on have few cores, and the bot needs one.
WORKERS = 2
# Charts kept after rendering (a few summaries' worth, a few MB at most).
KEPT = 32


class Chart(NamedTuple):
    """One chart to render: a function of `seroi.charts` that returns PNG bytes, and its data."""

    function: Callable[..., bytes]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]


def chart(function: Callable[..., bytes], *args: Any, **kwargs: Any) -> Chart:
    """A chart job: `function(*args, **kwargs)` in a worker process."""
    return Chart(function, args, kwargs)


def _key(job: Chart) -> str:
    data = (
        job.function.__module__,
        job.function.__qualname__,
        job.args,
        sorted(job.kwargs.items()),
    )
    return hashlib.sha256(pickle.dumps(data)).hexdigest()


# How much lower the workers' CPU priority is than the bot's: when charts and residents'
# replies compete for the cores, the replies go first (charts can wait a little).
WORKER_NICENESS = 10


def _yield_to_the_bot() -> None:
    os.nice(WORKER_NICENESS)


def _run(job: Chart) -> bytes:
    return job.function(*job.args, **job.kwargs)


class Renderer:
    """The worker processes, started on first use, and the charts in flight or just made.

    `renders` counts the charts actually drawn (tests and the bench read it).
    """

    def __init__(self, workers: int = WORKERS) -> None:
        self._workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._in_flight: dict[str, asyncio.Future[bytes]] = {}
        self._kept: OrderedDict[str, bytes] = OrderedDict()
        self.renders = 0

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # "spawn": a fork of a process running threads (aiosqlite's) can deadlock.
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(
                self._workers, mp_context=context, initializer=_yield_to_the_bot
            )
        return self._pool

    async def render(self, job: Chart) -> bytes:
        """The chart's PNG, drawn in a worker unless the same chart is in flight or kept."""
        key = _key(job)
        if key in self._kept:
            self._kept.move_to_end(key)
            return self._kept[key]
        if key in self._in_flight:
            return await asyncio.shield(self._in_flight[key])
        future = asyncio.get_running_loop().run_in_executor(self._executor(), _run, job)
        self._in_flight[key] = future
        self.renders += 1
        try:
            png = await asyncio.shield(future)
        finally:
            self._in_flight.pop(key, None)
        self._kept[key] = png
        while len(self._kept) > KEPT:
            self._kept.popitem(last=False)
        return png

    async def render_all(self, jobs: Sequence[Chart]) -> list[bytes]:
        """Several charts, drawn in parallel, in the order given."""
        return list(await asyncio.gather(*(self.render(job) for job in jobs)))

    def close(self) -> None:
        """Stop the workers (charts still being drawn are dropped)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
