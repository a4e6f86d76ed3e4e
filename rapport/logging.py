"""Log lines: the id of the request on every record, and JSON lines (RAPPORT_LOG_FORMAT=json) for collectors.

A JSON line holds only the record's own facts: time, level, logger, message, request id, process id, and the
traceback of a logged exception. Extra attributes passed with `extra=` are ignored on purpose, so nothing attached
to a record (a request, a form, a model instance) can carry client data into the logs. Importable without Django
(audit.request_context is plain Python), so gunicorn's master process can use it too (rapport/gunicorn.conf.py).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime

from audit import request_context


class RequestIdFilter(logging.Filter):
    """Stamps each record with the id of the request being served ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        # django.request logs a failed response after the middleware has left: the request still has its id.
        record.request_id = (request_context.current().request_id
                             or getattr(getattr(record, "request", None), "request_id", None) or "-")
        return True


class ClientErrorOneLine(logging.Filter):
    """django.request logs a refused request (403 PermissionDenied, 404, 400) with the exception's traceback
    (django.utils.log.log_response passes exc_info). A refusal is an expected answer, not a fault: keep its one
    line ("Forbidden (Permission denied): /path") and drop the traceback. 5xx records keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or "-",
            "pid": record.process,
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class AccessLogRequestIdFilter(logging.Filter):
    """gunicorn access lines: the request id Rapport answered with (X-Request-ID) becomes the record's."""

    def filter(self, record: logging.LogRecord) -> bool:
        atoms = record.args if isinstance(record.args, Mapping) else {}
        request_id = atoms.get("{x-request-id}o")
        if request_id:
            record.request_id = request_id
        return True
