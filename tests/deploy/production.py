"""Run Rapport the way docs/deployment.md says, as subprocesses of a test: gunicorn with rapport/gunicorn.conf.py
and `manage.py db_worker` task workers, in a production environment (RAPPORT_DEBUG=0, a real secret key, the KEK
from the environment, manifest static files, JSON logs), against the test's own database.

Only the parts a test cannot have are relaxed: plain HTTP on 127.0.0.1 (no TLS proxy), so no HTTPS redirect and
no secure-only cookies.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)
GUNICORN = Path(sys.executable).with_name("gunicorn")
WORKER_COMMAND = ["manage.py", "db_worker", "--queue-name", "default,reports,pdf", "--interval", "0.2",
                  "--no-startup-delay", "--no-reload"]


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def kek_from_test_key_file() -> str:
    """The test run's KEK as RAPPORT_KEK ("<id>:<base64>"): the same key, through the environment provider."""
    data = json.loads(Path(settings.RAPPORT_KEY_FILE).read_text())
    return f"{data['active']}:{data['keys'][data['active']]}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(var_dir: Path, *, secret_key: str, **extra: str) -> dict[str, str]:
    """The documented production environment, minus TLS; `extra` adds or overrides variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "RAPPORT_", "DJANGO_", "DATABASE_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "rapport.settings",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url(),
        "RAPPORT_DEBUG": "0",
        "RAPPORT_SECRET_KEY": secret_key,
        "RAPPORT_ALLOWED_HOSTS": "127.0.0.1",
        "RAPPORT_SECURE_SSL_REDIRECT": "0",
        "RAPPORT_SECURE_COOKIES": "0",
        "RAPPORT_KEY_PROVIDER": "keys.providers.EnvironmentKeyProvider",
        "RAPPORT_KEK": kek_from_test_key_file(),
        "RAPPORT_VAR_DIR": str(var_dir),
        "RAPPORT_STATIC_ROOT": str(var_dir / "static"),
        "RAPPORT_LOG_FORMAT": "json",
    })
    env.update(extra)
    return env


def new_secret_key() -> str:
    return secrets.token_urlsafe(64)


def run_manage(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=timeout)
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log_path: Path

    def log_lines(self) -> list[str]:
        return [line for line in self.log_path.read_text(errors="replace").splitlines() if line.strip()]

    def kill(self) -> None:
        """SIGKILL: the process dies on the spot, whatever it holds."""
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait()

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGINT)  # gunicorn: quick shutdown; db_worker: stop
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


def _start(name: str, command: list[str], env: dict[str, str], log_dir: Path) -> Process:
    log_path = log_dir / f"{name}.log"
    with open(log_path, "wb") as log:
        popen = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    return Process(name, popen, log_path)


def start_app_server(name: str, env: dict[str, str], log_dir: Path, *, port: int, workers: int = 1) -> Process:
    server_env = {**env, "RAPPORT_BIND": f"127.0.0.1:{port}", "RAPPORT_WEB_WORKERS": str(workers)}
    return _start(name, [str(GUNICORN), "-c", str(ROOT / "rapport" / "gunicorn.conf.py")], server_env, log_dir)


def start_task_worker(name: str, env: dict[str, str], log_dir: Path) -> Process:
    return _start(name, [sys.executable, *WORKER_COMMAND], env, log_dir)


def wait_for(condition, *, timeout: float, what: str, processes=(), interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    logs = "\n".join(f"--- {p.name}\n" + "\n".join(p.log_lines()[-30:]) for p in processes)
    raise AssertionError(f"timed out waiting for {what}\n{logs}")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")


class Browser:
    """A cookie jar shared by every server it talks to, like one browser behind a load balancer."""

    def __init__(self) -> None:
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects)

    def request(self, url: str, data: dict[str, str] | None = None) -> Response:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(urllib.request.Request(url, data=body), timeout=30) as answer:
                return Response(answer.status, dict(answer.headers), answer.read())
        except urllib.error.HTTPError as error:
            return Response(error.code, dict(error.headers), error.read())

    def get(self, url: str) -> Response:
        return self.request(url)

    def post_form(self, page_url: str, data: dict[str, str], action_url: str | None = None) -> Response:
        """Load the page, then post its form with its CSRF token, as a browser would."""
        page = self.get(page_url)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert match, f"no CSRF token on {page_url} ({page.status})"
        return self.request(action_url or page_url, {"csrfmiddlewaretoken": match.group(1), **data})


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return answer.status == 200
    except (OSError, urllib.error.URLError):
        return False
