"""gunicorn settings for Rapport: `gunicorn -c rapport/gunicorn.conf.py` (see docs/deployment.md).

Every knob comes from the environment, with defaults for one app server on its own machine behind a TLS proxy.
The access log names the method, the path (paths carry UUIDs only, never names), the status, the duration and
the request id (the X-Request-ID header Rapport sets on every response): no query string, no Referer, no
User-Agent, no cookies, no client address.
"""

import multiprocessing
import os

MAX_DEFAULT_WORKERS = 8


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


wsgi_app = "rapport.wsgi:application"
bind = [address.strip() for address in os.environ.get("RAPPORT_BIND", "127.0.0.1:8000").split(",")
        if address.strip()]

# Workers: 2 × CPUs + 1, capped, because each process holds its own Django, WeasyPrint and key caches.
workers = _int("RAPPORT_WEB_WORKERS", min(2 * multiprocessing.cpu_count() + 1, MAX_DEFAULT_WORKERS))
threads = _int("RAPPORT_WEB_THREADS", 1)  # above 1, gunicorn switches to its threaded (gthread) worker
# A year-long progress report renders in about 2 s on a small machine; leave room for a slow one.
timeout = _int("RAPPORT_WEB_TIMEOUT", 120)
graceful_timeout = _int("RAPPORT_WEB_GRACEFUL_TIMEOUT", 30)
keepalive = _int("RAPPORT_WEB_KEEPALIVE", 5)  # longer than gunicorn's 2 s, shorter than load balancers' idle
# Recycle workers now and then (bounded memory), staggered by the jitter so they never restart together.
max_requests = _int("RAPPORT_WEB_MAX_REQUESTS", 1000)
max_requests_jitter = _int("RAPPORT_WEB_MAX_REQUESTS_JITTER", 100)

# Addresses of the proxies allowed to set X-Forwarded-For/-Proto for gunicorn ("*" only when nothing but
# the proxy can reach the app servers). Django trusts X-Forwarded-Proto only with RAPPORT_BEHIND_PROXY=1.
forwarded_allow_ips = os.environ.get("RAPPORT_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Audit events record REMOTE_ADDR, which behind a proxy is the proxy's address (gunicorn does not take it from
# X-Forwarded-For). With the PROXY protocol on both sides ("v1", "v2" or "auto"), it is the client's again.
proxy_protocol = os.environ.get("RAPPORT_PROXY_PROTOCOL", "off")
proxy_allow_ips = os.environ.get("RAPPORT_PROXY_ALLOW_IPS", "127.0.0.1,::1")

accesslog = os.environ.get("RAPPORT_ACCESS_LOG", "-") or None  # "-": stdout; empty: no access log
errorlog = "-"
loglevel = os.environ.get("RAPPORT_WEB_LOG_LEVEL", "info")
access_log_format = "%(m)s %(U)s %(s)s %(M)sms request_id=%({x-request-id}o)s"

if os.environ.get("RAPPORT_LOG_FORMAT", "plain") == "json":
    # gunicorn's own lines as JSON too (Django's come from settings.LOGGING), one object per line.
    _handler = {"class": "logging.StreamHandler", "formatter": "json"}
    logconfig_dict = {
        "formatters": {"json": {"()": "rapport.logging.JsonFormatter"}},
        "filters": {"access_request_id": {"()": "rapport.logging.AccessLogRequestIdFilter"}},
        "handlers": {
            "error_console": {**_handler, "stream": "ext://sys.stderr"},
            "console": {**_handler, "stream": "ext://sys.stdout", "filters": ["access_request_id"]},
        },
        "root": {"level": "WARNING", "handlers": ["error_console"]},
        "loggers": {
            "gunicorn.error": {"level": loglevel.upper(), "handlers": ["error_console"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["console"] if accesslog else [],
                                "propagate": False},
        },
    }


def on_starting(server) -> None:
    """Open the keyring once before any worker starts: with a wrong key, gunicorn exits with the message.

    Without this, each worker refuses to load the app (rapport/wsgi.py) and the master starts another, for ever,
    while serving nothing. The check runs in a child process, so the master keeps no Django state, database
    connection or key material to hand on to the workers it forks. gunicorn prints a RuntimeError raised here as
    "Error: ..." and exits with status 1.
    """
    import subprocess
    import sys

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "rapport.settings")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [server.cfg.chdir, env.get("PYTHONPATH", "")]))
    # A fixed command: this interpreter running the constant script below.
    result = subprocess.run([sys.executable, "-c", KEYRING_CHECK], cwd=server.cfg.chdir, env=env,  # noqa: S603
                            capture_output=True, text=True)
    if result.returncode != 0:
        output = result.stderr.strip() or "Rapport will not start: the keyring check failed."
        # A refusal is one message; anything else (a settings error) ends with the exception's line.
        raise RuntimeError(output if output.startswith("Rapport will not start") else output.splitlines()[-1])
    server.log.info("Keyring opened with the configured key-encryption key")


KEYRING_CHECK = """
import sys
import django
django.setup()
from keys.checks import keyring_problem
problem = keyring_problem()
if problem:
    sys.exit("Rapport will not start: " + problem)
"""


def worker_exit(server, worker):
    """A worker that stops (restart, deploy, shutdown) records the audit chain's end outside the database
    (audit.checkpoint), so events deleted after it are noticed by verify_audit. Never stops the exit."""
    try:
        # Imported here: this file is read by gunicorn's master before Django is set up.
        from audit.checkpoint import write_quietly

        write_quietly("shutdown")
    except Exception as exc:  # noqa: BLE001 (Django may not be loaded in a worker that failed to boot)
        server.log.warning("audit checkpoint not written at worker exit (%s)", type(exc).__name__)
