"""gunicorn with a wrong key-encryption key exits once, with the key message, instead of starting workers that
refuse to boot for ever (rapport/gunicorn.conf.py `on_starting`; issue 16, item 8)."""

from __future__ import annotations

import base64
import secrets
import subprocess

from tests.deploy import production


def _env(tmp_path, **extra):
    var_dir = tmp_path / "var"
    env = production.production_env(var_dir, secret_key=production.new_secret_key(),
                                    DATABASE_URL=f"sqlite:///{tmp_path / 'rapport.sqlite3'}",
                                    RAPPORT_LOG_FORMAT="plain", **extra)
    production.run_manage(env, "migrate", "keys", "--noinput")  # the keyring and its check value
    return env


def test_gunicorn_exits_with_the_key_message_on_a_wrong_key(tmp_path):
    env = _env(tmp_path)
    key_id = env["RAPPORT_KEK"].split(":", 1)[0]
    wrong = {**env, "RAPPORT_KEK": f"{key_id}:{base64.b64encode(secrets.token_bytes(32)).decode()}"}
    server = production.start_app_server("gunicorn-wrong-key", wrong, tmp_path, port=production.free_port(),
                                         workers=2)
    try:
        returncode = server.popen.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.stop()
        raise AssertionError("gunicorn kept running with a wrong key:\n" + "\n".join(server.log_lines()[-20:]))
    log = "\n".join(server.log_lines())
    assert returncode == 1, log
    assert "Error: Rapport will not start: The key-encryption key" in log and "cannot open data key" in log
    assert "Booting worker" not in log and "Traceback" not in log


def test_gunicorn_starts_its_workers_with_the_right_key(tmp_path):
    env = _env(tmp_path)
    server = production.start_app_server("gunicorn-right-key", env, tmp_path, port=production.free_port())
    try:
        production.wait_for(lambda: any("Booting worker" in line for line in server.log_lines()), timeout=60,
                            what="a worker to boot", processes=[server])
        assert server.popen.poll() is None
        assert any("Keyring opened" in line for line in server.log_lines())
    finally:
        server.stop()
