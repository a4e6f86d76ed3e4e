"""Crypto-shredding: destroying an owner's data keys makes everything sealed under them unreadable for good,
backups included. When a couple may be shredded is the practice's rule (clinic.services.retention)."""

from __future__ import annotations

from . import keyring
from .models import DataKey


def shred_keys(owner: keyring.KeyOwner) -> int:
    """Destroy every data key of `owner`; nothing sealed under them opens again, backups included.

    Call inside the caller's transaction (which decides whether the owner may be shredded). An owner that
    never had a key gets a destroyed one, so nothing new can be written under it. Returns how many keys.
    Forget the owner's cached keys (keyring.forget_owner) after the transaction commits.
    """
    keys = list(DataKey.objects.select_for_update().filter(owner_kind=owner.kind, owner_id=owner.id))
    if not keys:
        keys = [keyring.create_key(owner)]
    for key in keys:
        if key.state != DataKey.State.SHREDDED:
            keyring.mark_shredded(key)
    return len(keys)
