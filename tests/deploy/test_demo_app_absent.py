"""The demo app (seed_demo, seed_scale and their generators) never reaches production: production settings do
not install it, and no production module imports it, so a production process never loads a line of it."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.deploy import production

ROOT = Path(settings.BASE_DIR)
PRODUCTION_PACKAGES = ("clinic", "plans", "notes", "reports", "rapport")
# What a production process loads at start-up and when it serves requests; then what it has installed.
PROBE = """
import json, sys
import django
django.setup()
from django.conf import settings
from django.core.management import get_commands
from django.urls import get_resolver
get_resolver().url_patterns  # every view module
print(json.dumps({
    "installed_apps": list(settings.INSTALLED_APPS),
    "commands": sorted(get_commands()),
    "demo_loaded": sorted(name for name in sys.modules if name == "demo" or name.startswith("demo.")),
}))
"""


def run_in_production(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = production.production_env(tmp_path, secret_key=production.new_secret_key(), RAPPORT_DEMO_MODE="0")
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                          check=False)


@pytest.mark.django_db
def test_production_settings_do_not_install_or_load_the_demo_app(tmp_path):
    result = run_in_production(tmp_path, "-c", PROBE)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert "demo" not in seen["installed_apps"]
    assert not any(app.startswith("demo.") for app in seen["installed_apps"])
    assert "seed_demo" not in seen["commands"] and "seed_scale" not in seen["commands"]
    assert seen["demo_loaded"] == []


def test_tests_and_development_do_install_it():
    assert "demo" in settings.INSTALLED_APPS  # the suite runs under pytest (TESTING)


def _imports_of(path: Path) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and re.fullmatch(
                r"demo(\.\w+)+", node.value):
            found.append((node.lineno, node.value))  # an import string ("demo.plans")
    return found


def test_no_production_module_imports_the_demo_app():
    offenders = []
    for package in PRODUCTION_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for line, name in _imports_of(path):
                if name == "demo" or name.startswith("demo."):
                    offenders.append(f"{path.relative_to(ROOT)}:{line} {name}")
    assert offenders == []
