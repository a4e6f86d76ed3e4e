"""A small closed-loop HTTP load generator: N client threads, each sending its next request as soon as the
previous answer is read in full. Standard library only (http.client), so `make bench` needs nothing else.

Each request opens its own connection (gunicorn's sync workers close the connection after every answer
anyway), so the latency measured includes connecting, as a browser's first request would.
"""

from __future__ import annotations

import http.client
import math
import threading
import time
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    path: str
    clients: int
    seconds: float
    latencies: list[float] = field(default_factory=list)  # of the 200 answers, in seconds
    errors: Counter = field(default_factory=Counter)  # status code or exception name -> count
    worker_cpu_seconds: float = 0.0  # the server workers' CPU time meanwhile, when the caller measures it

    @property
    def requests(self) -> int:
        return len(self.latencies) + sum(self.errors.values())

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        """Nearest-rank percentile of the successful requests' latencies, in seconds."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]

    @property
    def p50(self) -> float:
        return self.percentile(0.50)

    @property
    def p95(self) -> float:
        return self.percentile(0.95)


def _get(host: str, port: int, path: str, cookie: str, timeout: float) -> int:
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        headers = {"Connection": "close", **({"Cookie": cookie} if cookie else {})}
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def run_load(host: str, port: int, path: str, cookies: list[str], *, clients: int = 8,
             seconds: float | None = None, requests: int | None = None, timeout: float = 120.0) -> LoadResult:
    """GET `path` from `clients` threads (client i sends cookies[i % len(cookies)]) for `seconds` of wall
    time, or until `requests` requests have been sent in all."""
    if (seconds is None) == (requests is None):
        raise ValueError("give either seconds or requests")
    result = LoadResult(path=path, clients=clients, seconds=0.0)
    lock = threading.Lock()
    sent = 0
    started = time.perf_counter()
    deadline = started + seconds if seconds is not None else None

    def take_ticket() -> bool:
        nonlocal sent
        with lock:
            if requests is not None and sent >= requests:
                return False
            sent += 1
            return True

    def client(index: int) -> None:
        cookie = cookies[index % len(cookies)]
        while (deadline is None or time.perf_counter() < deadline) and take_ticket():
            began = time.perf_counter()
            try:
                status = _get(host, port, path, cookie, timeout)
            except (OSError, http.client.HTTPException) as exc:
                status = type(exc).__name__
            elapsed = time.perf_counter() - began
            with lock:
                if status == 200:
                    result.latencies.append(elapsed)
                else:
                    result.errors[str(status)] += 1

    threads = [threading.Thread(target=client, args=(index,), daemon=True) for index in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    return result
