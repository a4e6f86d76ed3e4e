import pytest

from clinic.crypto import keyring
from clinic.crypto.keys import reset_key_provider


@pytest.fixture
def keyring_check_value(db):
    """The check value a real migrate creates, wrapped by the run's key file.

    A flush between transactional tests removes it, and an earlier test may have left another key file's
    provider cached, so start from the configured provider.
    """
    reset_key_provider()
    keyring.clear_cache()
    keyring.ensure_check_key()
