"""A refused request (403, 404) is one log line without a traceback; a server error keeps its traceback."""

from __future__ import annotations

import logging
import logging.config
import sys

import pytest
from django.conf import settings
from django.urls import reverse

from rapport.logging import ClientErrorOneLine

pytestmark = pytest.mark.django_db


def test_a_403_logs_one_line_without_a_traceback(cast, login):
    """Applies the project's logging settings first and listens on django.request itself: an earlier test in the
    same process may have configured logging otherwise (gunicorn's configuration, for one, disables existing
    loggers), and caplog's handler sits on the root logger."""
    logging.config.dictConfig(settings.LOGGING)
    client = login(cast.manager)
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    request_logger = logging.getLogger("django.request")
    collect = Collect(level=logging.WARNING)
    request_logger.addHandler(collect)
    try:
        response = client.post(reverse("reports:discharge-pdf", args=[cast.couple.pk]))
    finally:
        request_logger.removeHandler(collect)
    assert response.status_code == 403
    (entry,) = records
    assert entry.getMessage().startswith("Forbidden (Permission denied): /")
    assert entry.exc_info is None and entry.exc_text is None


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
