"""Per-request facts (request id, client IP, user) for audit events and log lines."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip: str | None = None
    user_id: object = None
    username: str = ""
    practice_id: object = None


_EMPTY = RequestContext()
_current: ContextVar[RequestContext] = ContextVar("rapport_request", default=_EMPTY)  # noqa: B039 (frozen)


def current() -> RequestContext:
    return _current.get()


def set_current(context: RequestContext):
    return _current.set(context)


def reset(token) -> None:
    _current.reset(token)
