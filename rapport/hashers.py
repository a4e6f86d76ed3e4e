"""A lighter Argon2 for local development (RAPPORT_DEBUG=1) only.

Seeding the demo signs about 235 notes, each re-checking the signer's real password as production does; with
production's Argon2 parameters (about 0.2 s a check) `make run` spent a minute on it. Hashes made here keep
the `argon2` name and carry their own parameters, so a production process still verifies them, and upgrades
them to its own parameters at the next sign-in (Django's must_update).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class DevelopmentArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 8 * 1024  # KiB
    parallelism = 1
