"""Injected faults (one-shot and random rules) and the optional flood-control token buckets."""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sandbox.errors import ApiError, bad_request, forbidden, too_many_requests

FAULT_KINDS = ("429", "400", "403", "5xx", "timeout")

# Telegram's broadcast limits, as in telegram.constants.FloodLimit (PTB 22.8):
# MESSAGES_PER_SECOND = 30, MESSAGES_PER_SECOND_PER_CHAT = 1, MESSAGES_PER_MINUTE_PER_GROUP = 20.
MESSAGES_PER_SECOND = 30
MESSAGES_PER_SECOND_PER_CHAT = 1
MESSAGES_PER_MINUTE_PER_GROUP = 20


@dataclass(frozen=True)
class Fault:
    """One drawn fault: its kind and options (retry_after, description, delay, happened)."""

    kind: str
    options: dict[str, Any]

    def error(self, default_retry_after: int) -> ApiError:
        """The Bot API error this fault answers with (a timeout's late answer is a 504)."""
        if self.kind == "429":
            return too_many_requests(int(self.options.get("retry_after", default_retry_after)))
        if self.kind == "400":
            return bad_request(self.options.get("detail", "injected fault"))
        if self.kind == "403":
            return forbidden(self.options.get("detail", "bot was blocked by the user"))
        if self.kind == "5xx":
            status = int(self.options.get("status", 502))
            return ApiError(status, self.options.get("description", "Bad Gateway"))
        return ApiError(504, "Gateway Timeout")


@dataclass
class FaultRule:
    """Random faults on some methods; remove() stops it."""

    methods: frozenset[str] | None
    probability: float
    kinds: tuple[str, ...]
    options: dict[str, Any]
    rng: random.Random
    active: bool = True

    def remove(self) -> None:
        """Stop injecting faults from this rule."""
        self.active = False

    def applies_to(self, method: str) -> bool:
        """Whether this rule covers method (None means every method except getUpdates)."""
        if self.methods is None:
            return method != "getUpdates"
        return method in self.methods


@dataclass
class Faults:
    """Fault injection: `once(method, kind)` for the next call, `rule(...)` for random ones.

    A faulted call has no effect on the sandbox, except a "timeout" with happened=True: the
    action is done and only the answer comes late. The default (happened=False) keeps counts
    exact: Telegram did not do it, and the late answer is a 504 nobody reads.
    """

    lock: threading.RLock
    retry_after: int = 1
    timeout_delay: float = 3.0
    _pending: list[tuple[str, Fault]] = field(default_factory=list)
    _rules: list[FaultRule] = field(default_factory=list)

    def once(self, method: str, kind: str, **options: Any) -> None:
        """Make the next call of method fail with kind ("429", "400", "403", "5xx", "timeout")."""
        _check_kind(kind)
        with self.lock:
            self._pending.append((method, Fault(kind, options)))

    def rule(
        self,
        methods: Iterable[str] | None = None,
        probability: float = 0.1,
        kinds: Iterable[str] = ("429", "timeout"),
        seed: int = 0,
        **options: Any,
    ) -> FaultRule:
        """Fail a random share of calls (every method except getUpdates when methods is None)."""
        kinds = tuple(kinds)
        for kind in kinds:
            _check_kind(kind)
        rule = FaultRule(
            frozenset(methods) if methods is not None else None,
            probability,
            kinds,
            options,
            random.Random(seed),
        )
        with self.lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        """Forget every pending one-shot fault and rule."""
        with self.lock:
            self._pending.clear()
            self._rules.clear()

    def draw(self, method: str) -> Fault | None:
        """The fault for this call, if any (one-shot faults first)."""
        with self.lock:
            for index, (target, fault) in enumerate(self._pending):
                if target == method:
                    del self._pending[index]
                    return fault
            for rule in self._rules:
                if rule.active and rule.applies_to(method) and rule.rng.random() < rule.probability:
                    return Fault(rule.rng.choice(rule.kinds), rule.options)
        return None


def _check_kind(kind: str) -> None:
    if kind not in FAULT_KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; use one of {FAULT_KINDS}")


@dataclass
class _Bucket:
    capacity: float
    per_second: float
    tokens: float
    stamp: float

    def wait(self, now: float) -> float:
        """Seconds until a token is there (0 if one is there now)."""
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.per_second)
        self.stamp = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.per_second


@dataclass
class FloodControl:
    """Token buckets like Telegram's flood limits: overall, per private chat, per group."""

    clock: Callable[[], float] = time.monotonic
    private_burst: int = 3
    _buckets: dict[object, _Bucket] = field(default_factory=dict)

    def check(self, chat_id: int, is_group: bool) -> None:
        """Take a token from each bucket this message uses, or raise a 429 with retry_after."""
        now = self.clock()
        if is_group:
            chat_bucket = self._bucket(chat_id, 20, MESSAGES_PER_MINUTE_PER_GROUP / 60, now)
        else:
            chat_bucket = self._bucket(
                chat_id, self.private_burst, MESSAGES_PER_SECOND_PER_CHAT, now
            )
        overall = self._bucket("all", MESSAGES_PER_SECOND, MESSAGES_PER_SECOND, now)
        wait = max(chat_bucket.wait(now), overall.wait(now))
        if wait:
            raise too_many_requests(max(1, math.ceil(wait)))
        chat_bucket.tokens -= 1
        overall.tokens -= 1

    def _bucket(self, key: object, capacity: float, per_second: float, now: float) -> _Bucket:
        if key not in self._buckets:
            self._buckets[key] = _Bucket(capacity, per_second, capacity, now)
        return self._buckets[key]
