"""Fixed-window request counters in the cache, for the public endpoints that have no sign-in (the calendar feed:
a leaked address, or a calendar app gone wrong). Keys name an account id, never a secret or a client. With the
default per-process memory cache each web worker counts on its own (the limit is then per worker); with Redis
(RAPPORT_REDIS_URL) the workers share one count."""

from __future__ import annotations

import time

from django.core.cache import cache


def _key(name: str, window: int) -> str:
    return f"throttle:{name}:{int(time.time() // window)}"


def _wait(window: int) -> int:
    return max(1, window - int(time.time()) % window)


def hit(name: str, *, limit: int, window: int) -> int | None:
    """Count one request under `name`. The seconds until the window ends if that made more than `limit`
    requests in it, else None."""
    key = _key(name, window)
    cache.add(key, 0, timeout=window + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between add and incr
        cache.set(key, 1, timeout=window + 1)
        count = 1
    return _wait(window) if count > limit else None

