"""A refused request (403, 404) is one log line without a traceback; a server error keeps its traceback."""

from __future__ import annotations

import logging
import sys

import pytest
from django.urls import reverse

from rapport.logging import ClientErrorOneLine

pytestmark = pytest.mark.django_db


def test_a_403_logs_one_line_without_a_traceback(cast, login, caplog):
    client = login(cast.manager)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(reverse("reports:discharge-pdf", args=[cast.couple.pk]))
    assert response.status_code == 403
    (entry,) = [r for r in caplog.records if r.name == "django.request"]
    assert entry.getMessage().startswith("Forbidden (Permission denied): /")
    assert entry.exc_info is None and entry.exc_text is None
    assert "Traceback" not in caplog.text


def test_the_filter_keeps_a_server_errors_traceback():
    def entry(status):
        try:
            raise ValueError("boom")
        except ValueError:
            record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "x", (), sys.exc_info())
        record.status_code = status
        return record

    server, refused = entry(500), entry(404)
    assert ClientErrorOneLine().filter(server) and server.exc_info is not None
    assert ClientErrorOneLine().filter(refused) and refused.exc_info is None
