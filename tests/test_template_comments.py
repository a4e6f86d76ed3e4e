"""Django's `{# … #}` comment ends at the end of its line: one opened and not closed on the same line is printed on
the page (a fresh-eyes run found a developer's comment above "Objectives addressed" in the note editor)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("audit", "clinic", "keys", "notes", "plans", "portal", "rapport", "reports", "demo")


def unclosed_comments() -> list[str]:
    found = []
    for app in APPS:
        for template in sorted((ROOT / app).rglob("*.html")):
            for number, line in enumerate(template.read_text(encoding="utf-8").splitlines(), 1):
                start = line.find("{#")
                if start != -1 and "#}" not in line[start:]:
                    found.append(f"{template.relative_to(ROOT)}:{number}")
    return found


def test_no_template_opens_a_one_line_comment_it_does_not_close():
    assert unclosed_comments() == [], "use {% comment %} … {% endcomment %} for a comment of several lines"
