"""Settings for `make bench` (bench/scale_bench.py): the production settings, static files under var/bench/.

Everything else comes from the environment bench/scale_env.py builds (debug off, a bench secret, a bench key
file, one database per data set). Only STATIC_ROOT differs, so `collectstatic` for the bench never touches
the checkout's staticfiles/.
"""

from rapport.settings import *  # noqa: F403
from rapport.settings import VAR_DIR

STATIC_ROOT = VAR_DIR / "static"
