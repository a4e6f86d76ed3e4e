"""Log filter that stamps each record with the current request id (never user data)."""

import logging

from audit import request_context


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # django.request logs a failed response after the middleware has left: the request still has its id.
        record.request_id = (request_context.current().request_id
                             or getattr(getattr(record, "request", None), "request_id", None) or "-")
        return True
