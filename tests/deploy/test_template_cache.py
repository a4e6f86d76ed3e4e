"""Production renders templates from the cached loader: a page's templates are parsed once per process, not on
every request (README "Performance at scale")."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from tests.deploy import production

PROBE = """
import json
import django
django.setup()
from django.template import engines
def names(loaders):
    for loader in loaders:
        yield type(loader).__module__ + "." + type(loader).__name__
        yield from names(getattr(loader, "loaders", []))
engine = engines["django"].engine
print(json.dumps({"debug": engine.debug, "loaders": list(names(engine.template_loaders))}))
"""


def test_production_uses_the_cached_template_loader(tmp_path: Path):
    env = production.production_env(tmp_path, secret_key=production.new_secret_key(), RAPPORT_DEMO_MODE="0")
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=settings.BASE_DIR, env=env, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["debug"] is False
    assert "django.template.loaders.cached.Loader" in found["loaders"], found["loaders"]
