"""System checks: refuse to start when the configured key cannot open this database's keyring."""

from django.core.checks import Error, register
from django.db import DatabaseError

from .errors import CryptoError
from .keyring import verify_kek


def keyring_problem() -> str | None:
    """Why the configured KEK cannot be used with this database, or None if it can."""
    try:
        verify_kek()
    except CryptoError as exc:
        return str(exc)
    except DatabaseError:
        return None  # not migrated yet: nothing to open
    return None


@register("rapport")
def check_keyring(app_configs, **kwargs):
    problem = keyring_problem()
    if problem is None:
        return []
    return [Error(problem, hint="Fix RAPPORT_KEY_FILE / RAPPORT_KEK (see README, 'Keys and encryption').",
                  id="rapport.E001")]
