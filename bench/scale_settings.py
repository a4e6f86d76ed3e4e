"""Settings for `make bench` (bench/scale_bench.py): the production settings, static files under var/bench/.

Everything else comes from the environment bench/scale_env.py builds (debug off, a bench secret, a bench key
file, one database per data set). Two things differ: STATIC_ROOT, so `collectstatic` for the bench never
touches the checkout's staticfiles/, and the demo app is installed, for `seed_scale` to build the data sets
(production settings never install it; it adds no models, URLs or middleware, so the pages measured are the
production ones).
"""

from rapport.settings import *  # noqa: F403
from rapport.settings import INSTALLED_APPS, VAR_DIR

STATIC_ROOT = VAR_DIR / "static"
INSTALLED_APPS = [*INSTALLED_APPS, "demo"] if "demo" not in INSTALLED_APPS else INSTALLED_APPS
