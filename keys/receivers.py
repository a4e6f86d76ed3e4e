"""Signal handlers of the keys app (connected in KeysConfig.ready())."""

from __future__ import annotations

from .keyring import ensure_check_key


def create_keyring_check(sender, app_config=None, using="default", **kwargs) -> None:
    """Seal the keyring's check value on the first migrate, so a wrong KEK is noticed at start-up."""
    if kwargs.get("plan") is None:
        # `flush` (between transactional tests) also sends post_migrate, without a plan: an emptied
        # database gets its check value from the next real `migrate`, not from whichever key is loaded now.
        return
    ensure_check_key()
