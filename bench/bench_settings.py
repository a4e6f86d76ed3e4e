"""Settings for bench/crypto_bench.py only: the app's settings plus the bench app, in a temporary directory.

The SQLite file and key file live in a fresh temp dir (never var/). BENCH_DATABASE_URL runs it on
PostgreSQL instead.
"""

import os
import tempfile

BENCH_DIR = tempfile.mkdtemp(prefix="rapport-bench-")
os.environ["RAPPORT_VAR_DIR"] = BENCH_DIR
os.environ["RAPPORT_KEY_FILE"] = os.path.join(BENCH_DIR, "rapport.key")
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{BENCH_DIR}/bench.sqlite3")
os.environ.setdefault("RAPPORT_SECRET_KEY", "bench-only-secret-key-not-used-for-rapport-keys-7f3e9a1c")
os.environ["RAPPORT_LOG_LEVEL"] = "WARNING"

from rapport.settings import *  # noqa: E402,F403
from rapport.settings import INSTALLED_APPS  # noqa: E402

INSTALLED_APPS = [*INSTALLED_APPS, "bench.benchapp"]
DEBUG = False  # no query log

# The peer (django-fernet-encrypted-fields) derives its keys from SECRET_KEY and SALT_KEY.
SALT_KEY = ["bench-salt-first"]
