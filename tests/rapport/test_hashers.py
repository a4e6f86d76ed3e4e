"""The development hasher's hashes stay valid for production, which upgrades them at the next sign-in."""

from django.contrib.auth.hashers import Argon2PasswordHasher

from rapport.hashers import DevelopmentArgon2PasswordHasher


def test_a_development_hash_verifies_in_production_and_is_upgraded_there():
    development = DevelopmentArgon2PasswordHasher()
    encoded = development.encode("correct horse battery", development.salt())
    production = Argon2PasswordHasher()
    assert encoded.startswith("argon2$")
    assert production.verify("correct horse battery", encoded)
    assert not production.verify("wrong horse battery", encoded)
    assert production.must_update(encoded)
    assert not production.must_update(production.encode("correct horse battery", production.salt()))
