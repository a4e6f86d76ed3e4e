"""The session export as CSV, for a practice's billing system: a header row, then one row per session.

    session_export_csv(practice=..., user=..., period=...)  -> bytes (UTF-8, CRLF rows, no byte-order mark)
    export_file_name(period)  -> "sessions_2026-10-01_2026-10-31.csv" (dates only, never a name)

Practice managers of the practice only (reports.rendering.practice.check_may_see). Cells that a spreadsheet would
read as a formula are prefixed with an apostrophe (reports.rendering.practice.safe_cell).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from clinic.models import Practice
from reports.builders.session_export import HEADER, SessionExport, build_session_export
from reports.rendering.practice import check_may_see, safe_cell
from reports.selectors.session_export import Period


def export_file_name(period: Period) -> str:
    return f"sessions_{period.start.isoformat()}_{period.end.isoformat()}.csv"


def export_csv(export: SessionExport) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for line in export.lines:
        writer.writerow([safe_cell(value) for value in line.cells()])
    return buffer.getvalue().encode("utf-8")


def session_export_csv(*, practice: Practice, user: Any, period: Period) -> bytes:
    check_may_see(user, practice)
    return export_csv(build_session_export(practice=practice, period=period))
