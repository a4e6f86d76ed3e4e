"""A small closed-loop HTTP load generator: N client threads, each sending its next request as soon as the
previous answer is read in full, and the PDF clients of the mixed scenario (PdfClients: clinicians asking for
progress reports, which the task workers make). Standard library only (http.client), so `make bench` needs
nothing else.

Each request opens its own connection (gunicorn's sync workers close the connection after every answer
anyway), so the latency measured includes connecting, as a browser's first request would.
"""

from __future__ import annotations

import http.client
import math
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit


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


# --- the PDF clients of the mixed scenario ---------------------------------------------------------------

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
DOWNLOAD_LINK = re.compile(r'href="(/reports/files/[0-9a-f-]+/download/)"')


def csrf_token_from(html: str) -> str | None:
    """The CSRF token of the first form on a page (the options page's buttons carry it)."""
    match = CSRF_FIELD.search(html)
    return match.group(1) if match else None


def cookie_value(set_cookies: list[str], name: str) -> str | None:
    """The value a response's Set-Cookie headers give cookie `name`, if any."""
    for header in set_cookies:
        first = header.split(";", 1)[0]
        key, _, value = first.partition("=")
        if key.strip() == name:
            return value.strip()
    return None


def download_link_from(html: str) -> str | None:
    match = DOWNLOAD_LINK.search(html)
    return match.group(1) if match else None


@dataclass
class PdfResult:
    """What the PDF clients did: each turnaround is one report, from the click to the file downloaded."""

    turnarounds: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    requests: int = 0  # HTTP requests the PDF clients sent (asks, polls, downloads)

    def percentile(self, fraction: float) -> float:
        return LoadResult(path="", clients=0, seconds=0.0, latencies=self.turnarounds).percentile(fraction)


def _call(host: str, port: int, method: str, path: str, cookie: str, *, body: str = "",
          timeout: float = 120.0) -> tuple[int, dict[str, list[str]], bytes]:
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        headers = {"Connection": "close", "Cookie": cookie}
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        content = response.read()
        return response.status, {"Location": response.msg.get_all("Location") or [],
                                 "Set-Cookie": response.msg.get_all("Set-Cookie") or []}, content
    finally:
        connection.close()


class PdfClients:
    """`len(forms)` clinicians asking for progress reports one after another, as the Reports page does: POST the
    options form (with the CSRF token of the options page), follow the 303 to the report's page, poll its status
    every `poll_seconds` until the download link appears, download the PDF, and ask again; until stopped.
    Client i sends session cookie `cookies[i]` and the options `forms[i]`."""

    def __init__(self, host: str, port: int, *, options_path: str, ask_path: str, cookies: list[str],
                 forms: list[dict[str, str]], csrf_cookie_name: str = "csrftoken", poll_seconds: float = 0.5,
                 timeout: float = 300.0):
        self.host, self.port = host, port
        self.options_path, self.ask_path = options_path, ask_path
        self.cookies, self.forms = cookies, forms
        self.csrf_cookie_name, self.poll_seconds, self.timeout = csrf_cookie_name, poll_seconds, timeout
        self.result = PdfResult()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        self._stop.clear()
        self.result = PdfResult()
        self._threads = [threading.Thread(target=self._client, args=(index,), daemon=True)
                         for index in range(len(self.forms))]
        for thread in self._threads:
            thread.start()

    def stop(self) -> PdfResult:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=self.timeout)
        return self.result

    def _error(self, what: str) -> None:
        with self._lock:
            self.result.errors[what] += 1

    def _send(self, method: str, path: str, cookie: str, body: str = "") -> tuple[int, dict, bytes]:
        with self._lock:
            self.result.requests += 1
        return _call(self.host, self.port, method, path, cookie, body=body, timeout=self.timeout)

    def _client(self, index: int) -> None:
        session = self.cookies[index % len(self.cookies)]
        try:
            status, headers, content = self._send("GET", self.options_path, session)
        except (OSError, http.client.HTTPException) as exc:
            self._error(f"options page: {type(exc).__name__}")
            return
        token = csrf_token_from(content.decode("utf-8", "replace"))
        cookie_token = cookie_value(headers["Set-Cookie"], self.csrf_cookie_name)
        if status != 200 or not token or not cookie_token:
            self._error(f"options page: {status}, no CSRF token" if status == 200 else f"options page: {status}")
            return
        cookie = f"{session}; {self.csrf_cookie_name}={cookie_token}"
        body = urlencode({**self.forms[index], "csrfmiddlewaretoken": token})
        while not self._stop.is_set():
            try:
                self._one_report(cookie, body)
            except (OSError, http.client.HTTPException) as exc:
                self._error(type(exc).__name__)

    def _one_report(self, cookie: str, body: str) -> None:
        began = time.perf_counter()
        status, headers, _ = self._send("POST", self.ask_path, cookie, body)
        if status != 303 or not headers["Location"]:
            self._error(f"ask: {status}")
            self._stop.wait(1.0)
            return
        page = urlsplit(headers["Location"][0]).path
        status_path = page.rstrip("/") + "/status/"
        deadline = began + self.timeout
        while time.perf_counter() < deadline:
            status, _, content = self._send("GET", status_path, cookie)
            if status != 200:
                self._error(f"status: {status}")
                return
            link = download_link_from(content.decode("utf-8", "replace"))
            if link:
                status, _, pdf = self._send("GET", link, cookie)
                if status == 200 and pdf.startswith(b"%PDF"):
                    with self._lock:
                        self.result.turnarounds.append(time.perf_counter() - began)
                else:
                    self._error(f"download: {status}")
                return
            if "Could not be made" in content.decode("utf-8", "replace"):
                self._error("report failed")
                return
            time.sleep(self.poll_seconds)  # a report being made is finished even after stop()
        self._error("timed out")
