"""Single reports in tests: ask for one as the Reports page's buttons do (POST), follow it to its page, and
download it once it is ready (with the immediate task backend it is ready at once)."""

from __future__ import annotations

import re

from tests.reports.batch_helpers import IMMEDIATE_TASKS

__all__ = ["IMMEDIATE_TASKS", "ask_for", "download_link", "fetch_pdf"]


def ask_for(client, url: str, data: dict | None = None):
    """POST to a report button's URL; returns its answer (303 to the report's page, or 400 with the form)."""
    return client.post(url, data or {})


def download_link(html: str) -> str:
    match = re.search(r'href="(/reports/files/[0-9a-f-]+/download/)"', html)
    assert match, "no download link on the report's page"
    return match.group(1)


def fetch_pdf(client, url: str, data: dict | None = None):
    """Ask for a report, open its page, and download it: the download's response."""
    asked = ask_for(client, url, data)
    assert asked.status_code == 303, asked.status_code
    page = client.get(asked["Location"])
    assert page.status_code == 200
    return client.get(download_link(page.content.decode()))
