import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")
application = get_wsgi_application()

# Refuse to serve pages if the configured key cannot open this database's keyring.
from keys.checks import keyring_problem  # noqa: E402

_problem = keyring_problem()
if _problem:
    raise SystemExit(f"Rapport will not start: {_problem}")
