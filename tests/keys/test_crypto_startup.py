"""The app refuses to start when the configured KEK cannot open this database's keyring."""

import importlib
import sys

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import SystemCheckError

from keys import keyring
from keys.models import DataKey
from keys.providers import reset_key_provider
from tests.keys.crypto_support import use_key_file, write_wrong_key_file

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:No directory at"),
    pytest.mark.usefixtures("keyring_check_value"),
]


@pytest.fixture
def restore_keys():
    yield
    reset_key_provider()
    keyring.clear_cache()


def import_wsgi():
    sys.modules.pop("rapport.wsgi", None)
    try:
        return importlib.import_module("rapport.wsgi")
    finally:
        sys.modules.pop("rapport.wsgi", None)


def test_the_keyring_check_value_exists_after_migrate():
    assert DataKey.objects.filter(owner_kind="check", state="active").count() == 1


def test_check_passes_and_wsgi_starts_with_the_right_kek():
    call_command("check")
    assert import_wsgi().application is not None


@pytest.mark.parametrize("same_id", [True, False], ids=["same-key-id", "unknown-key-id"])
def test_check_reports_e001_naming_the_setting_with_a_wrong_kek(settings, tmp_path, restore_keys, same_id):
    write_wrong_key_file(settings, tmp_path, same_id=same_id)
    with pytest.raises(SystemCheckError) as caught:
        call_command("check")
    message = str(caught.value)
    assert "rapport.E001" in message and "RAPPORT_KEY_FILE" in message


@pytest.mark.parametrize("same_id", [True, False], ids=["same-key-id", "unknown-key-id"])
def test_wsgi_refuses_to_start_with_a_wrong_kek(settings, tmp_path, restore_keys, same_id):
    write_wrong_key_file(settings, tmp_path, same_id=same_id)
    with pytest.raises(SystemExit) as caught:
        import_wsgi()
    assert "Rapport will not start" in str(caught.value) and "RAPPORT_KEY_FILE" in str(caught.value)


def test_wsgi_refuses_to_start_without_a_key_file(settings, tmp_path, restore_keys):
    use_key_file(settings, tmp_path / "missing.key")
    with pytest.raises(SystemExit) as caught:
        import_wsgi()
    assert "create_key_file" in str(caught.value)


def test_wsgi_refuses_to_start_with_a_wrong_environment_kek(settings, monkeypatch, restore_keys):
    settings.RAPPORT_KEY_PROVIDER = "keys.providers.EnvironmentKeyProvider"
    monkeypatch.setenv("RAPPORT_KEK", "kek-env:" + "A" * 43 + "=")
    reset_key_provider()
    with pytest.raises(SystemExit) as caught:
        import_wsgi()
    assert "RAPPORT_KEK" in str(caught.value)


def test_create_key_file_runs_where_the_check_asks_for_it(settings, tmp_path, restore_keys, capsys):
    """rapport.E001 says "create one with create_key_file": that command must not be stopped by it."""
    missing = tmp_path / "new.key"
    use_key_file(settings, missing)
    with pytest.raises(SystemCheckError, match="create_key_file"):
        call_command("check")
    execute_from_command_line(["manage.py", "create_key_file"])  # as from the shell: system checks included
    assert missing.exists() and oct(missing.stat().st_mode & 0o777) == "0o600"
    assert "BACK THIS FILE UP" in capsys.readouterr().out
