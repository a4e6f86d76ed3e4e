"""The house rules that code review alone would let slip (docs/architecture.md).

- Imports point down the layers (import-linter contracts in pyproject.toml), function-level ones included.
- A function-level import of our own code is there only to break a real cycle (or in AppConfig.ready(),
  where Django wants it), and says so in a comment on its line or the line above.
"""

from __future__ import annotations

import ast
import io
from contextlib import redirect_stdout
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent
OUR_PACKAGES = ("rapport", "keys", "audit", "clinic", "plans", "notes", "portal", "reports", "demo")


def test_imports_follow_the_layers():
    output = io.StringIO()
    with redirect_stdout(output):
        exit_code = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True)
    assert exit_code == 0, output.getvalue()


def _our_modules() -> list[Path]:
    files = []
    for package in OUR_PACKAGES:
        if (ROOT / package).is_dir():
            files += [p for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts]
    return files


def _imports_our_code(node: ast.Import | ast.ImportFrom) -> bool:
    if isinstance(node, ast.ImportFrom):
        return node.level > 0 or (node.module or "").split(".")[0] in OUR_PACKAGES
    return any(alias.name.split(".")[0] in OUR_PACKAGES for alias in node.names)


def _function_level_imports(tree: ast.AST) -> list[tuple[ast.AST, ast.Import | ast.ImportFrom]]:
    found = []
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            found += [(function, node) for node in ast.walk(function)
                      if isinstance(node, ast.Import | ast.ImportFrom) and _imports_our_code(node)]
    return found


def test_function_level_imports_of_our_code_say_why():
    unexplained = []
    for path in _our_modules():
        source = path.read_text()
        lines = source.splitlines()
        for function, node in _function_level_imports(ast.parse(source)):
            if path.name == "apps.py" and function.name == "ready":
                continue
            nearby = " ".join(lines[max(node.lineno - 2, 0):node.end_lineno])
            if "#" not in nearby:
                unexplained.append(f"{path.relative_to(ROOT)}:{node.lineno} in {function.name}()")
    assert not unexplained, "function-level imports without a comment saying which cycle they break:\n" + "\n".join(
        unexplained
    )


def test_the_function_level_import_check_sees_an_unexplained_import():
    tree = ast.parse("def view():\n    from clinic.models import Couple\n    import json\n")
    imports = _function_level_imports(tree)
    assert [node.lineno for _, node in imports] == [2]
