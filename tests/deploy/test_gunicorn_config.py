"""rapport/gunicorn.conf.py: knobs from the environment, sane defaults, and an access log that names only the
method, the path, the status, the duration and the request id."""

from __future__ import annotations

import runpy

import pytest
from django.utils.module_loading import import_string

from tests.deploy.production import ROOT

CONFIG = ROOT / "rapport" / "gunicorn.conf.py"
KNOBS = ("RAPPORT_BIND", "RAPPORT_WEB_WORKERS", "RAPPORT_WEB_THREADS", "RAPPORT_WEB_TIMEOUT",
         "RAPPORT_WEB_GRACEFUL_TIMEOUT", "RAPPORT_WEB_KEEPALIVE", "RAPPORT_WEB_MAX_REQUESTS",
         "RAPPORT_WEB_MAX_REQUESTS_JITTER", "RAPPORT_FORWARDED_ALLOW_IPS", "RAPPORT_ACCESS_LOG",
         "RAPPORT_WEB_LOG_LEVEL", "RAPPORT_LOG_FORMAT", "RAPPORT_PROXY_PROTOCOL", "RAPPORT_PROXY_ALLOW_IPS")


@pytest.fixture
def load(monkeypatch):
    def _load(cpus: int = 2, **env: str) -> dict:
        for name in KNOBS:
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setattr("multiprocessing.cpu_count", lambda: cpus)
        return runpy.run_path(str(CONFIG))

    return _load


def test_defaults_suit_one_small_server_behind_a_proxy(load):
    config = load(cpus=2)
    assert config["wsgi_app"] == "rapport.wsgi:application"
    assert config["bind"] == ["127.0.0.1:8000"]
    assert config["workers"] == 5 and config["threads"] == 1
    assert config["timeout"] >= 60 and config["graceful_timeout"] == 30
    assert config["max_requests"] == 1000 and 0 < config["max_requests_jitter"] < config["max_requests"]
    assert config["forwarded_allow_ips"] == "127.0.0.1,::1" and config["proxy_protocol"] == "off"
    assert config["accesslog"] == "-" and "logconfig_dict" not in config


def test_default_workers_are_capped_on_big_machines(load):
    assert load(cpus=32)["workers"] == 8


def test_every_knob_comes_from_the_environment(load):
    config = load(RAPPORT_BIND="0.0.0.0:8000,[::]:8000", RAPPORT_WEB_WORKERS="3", RAPPORT_WEB_THREADS="4",
                  RAPPORT_WEB_TIMEOUT="300", RAPPORT_WEB_GRACEFUL_TIMEOUT="45", RAPPORT_WEB_KEEPALIVE="75",
                  RAPPORT_WEB_MAX_REQUESTS="500", RAPPORT_WEB_MAX_REQUESTS_JITTER="50",
                  RAPPORT_FORWARDED_ALLOW_IPS="10.0.0.5", RAPPORT_ACCESS_LOG="", RAPPORT_PROXY_PROTOCOL="v2",
                  RAPPORT_PROXY_ALLOW_IPS="10.0.0.5")
    assert config["bind"] == ["0.0.0.0:8000", "[::]:8000"]
    assert (config["workers"], config["threads"], config["timeout"], config["graceful_timeout"]) == (3, 4, 300, 45)
    assert (config["keepalive"], config["max_requests"], config["max_requests_jitter"]) == (75, 500, 50)
    assert config["forwarded_allow_ips"] == "10.0.0.5" and config["accesslog"] is None
    assert (config["proxy_protocol"], config["proxy_allow_ips"]) == ("v2", "10.0.0.5")


def test_access_log_names_no_query_referer_agent_cookie_or_address(load):
    log_format = load()["access_log_format"]
    assert log_format == "%(m)s %(U)s %(s)s %(M)sms request_id=%({x-request-id}o)s"
    for atom in ("%(r)s", "%(q)s", "%(f)s", "%(a)s", "%(h)s", "%(u)s", "{cookie}i", "{referer}i"):
        assert atom not in log_format


def test_json_log_format_configures_gunicorns_own_loggers(load):
    config = load(RAPPORT_LOG_FORMAT="json")["logconfig_dict"]
    assert config["formatters"]["json"]["()"] == "rapport.logging.JsonFormatter"
    for name in ("gunicorn.error", "gunicorn.access"):
        assert config["loggers"][name]["propagate"] is False
    for factory in (config["formatters"]["json"]["()"], config["filters"]["access_request_id"]["()"]):
        import_string(factory)()
