"""Errors: Bot API errors in Telegram's envelope, and misuse of the control surface."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API error, answered as Telegram does: HTTP status = error_code."""

    def __init__(self, error_code: int, description: str, *, retry_after: int | None = None):
        super().__init__(f"{error_code} {description}")
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def envelope(self) -> dict[str, Any]:
        """Return Telegram's error JSON for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> ApiError:
    """A 400 with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {detail}")


def forbidden(detail: str) -> ApiError:
    """A 403 with Telegram's "Forbidden: " prefix."""
    return ApiError(403, f"Forbidden: {detail}")


def too_many_requests(retry_after: int) -> ApiError:
    """A 429 carrying retry_after, as Telegram's flood control answers."""
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


def not_found() -> ApiError:
    """The 404 Telegram answers for an unknown method or file."""
    return ApiError(404, "Not Found")


class SandboxError(Exception):
    """The control surface was asked for something a real Telegram client could not do."""


class WaitTimeout(AssertionError):
    """A wait_for* condition did not hold in time; the message shows the recent outbox."""
