"""Errors raised by the encryption layer. Messages name keys and rows by id, never content."""


class CryptoError(Exception):
    """Base class for every encryption failure."""


class KeyProviderError(CryptoError):
    """The key-encryption key could not be loaded (missing file, bad format, unknown id)."""


class KeyringError(CryptoError):
    """The configured KEK cannot open the keyring stored in the database."""


class DecryptionError(CryptoError):
    """A stored value failed authentication: tampered, truncated, moved to another row, or wrong key."""


class KeyShreddedError(CryptoError):
    """The data key was destroyed at the end of retention; the text is gone for good."""


class EncryptionContextError(CryptoError):
    """An encrypted field was written outside model.save()/bulk_create (e.g. queryset.update())."""


class RotationError(CryptoError):
    """A rotation cannot go on safely; the message says what to fix. Nothing already done is undone."""
