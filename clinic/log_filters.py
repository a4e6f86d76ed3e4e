"""Log filter that stamps each record with the current request id (never user data)."""

import logging

from . import request_context


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_context.current().request_id or "-"
        return True
