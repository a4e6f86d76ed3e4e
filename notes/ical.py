"""The clinician's sessions as an iCalendar feed (RFC 5545), written by hand: a handful of properties, so no
library is needed.

References only: the couple's reference, the kind, the modality, the time and the length; never a name or any
clinical text, because a phone's calendar syncs to servers the practice does not control. Times are in UTC
(the "Z" form, RFC 5545 3.3.5), so no VTIMEZONE is needed and every calendar shows them in its own zone. Lines
end in CRLF and are folded at 75 octets (3.1); text values are escaped (3.3.11).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from notes.models import Attendance, Modality, Session, SessionKind

PRODID = "-//Rapport//Calendar feed//EN"
KIND_WORDS = {SessionKind.JOINT: "joint", SessionKind.INDIVIDUAL_A: "individual, partner A",
              SessionKind.INDIVIDUAL_B: "individual, partner B"}
NOT_HELD = (Attendance.CANCELLED, Attendance.LATE_CANCELLED)


def escape_text(value: str) -> str:
    """TEXT escaping of RFC 5545 3.3.11: backslash, semicolon, comma and newline."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def fold(line: str) -> str:
    """One content line folded so no physical line exceeds 75 octets (RFC 5545 3.1): a CRLF and a space before
    each continuation, never splitting a UTF-8 character."""
    out: list[str] = []
    current, size, limit = "", 0, 75
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            out.append(current)
            current, size, limit = " ", 1, 75
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def utc_stamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def summary(session: Session) -> str:
    """ "Session C-2026-0016 (joint)": the reference and the kind, nothing else."""
    return f"Session {session.couple.reference} ({KIND_WORDS.get(session.kind, 'session')})"


def event_lines(session: Session, *, stamp: str, domain: str) -> list[str]:
    end = session.starts_at + datetime.timedelta(minutes=session.duration_minutes)
    lines = [
        "BEGIN:VEVENT",
        f"UID:session-{session.pk}@{domain}",
        f"DTSTAMP:{stamp}",
        f"DTSTART:{utc_stamp(session.starts_at)}",
        f"DTEND:{utc_stamp(end)}",
        f"SUMMARY:{escape_text(summary(session))}",
        f"DESCRIPTION:{escape_text(f'{Modality(session.modality).label}, {session.duration_minutes} minutes.')}",
        f"SEQUENCE:{max(session.version - 1, 0)}",
        f"LAST-MODIFIED:{utc_stamp(session.updated_at)}",
        "TRANSP:OPAQUE",
        "CLASS:PRIVATE",
        f"STATUS:{'CANCELLED' if session.attendance in NOT_HELD else 'CONFIRMED'}",
        "END:VEVENT",
    ]
    return lines


def calendar_text(sessions: Iterable[Session], *, now: datetime.datetime, domain: str,
                  name: str = "Rapport sessions") -> str:
    """The whole VCALENDAR, CRLF line endings, every line folded."""
    stamp = utc_stamp(now)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ]
    for session in sessions:
        lines.extend(event_lines(session, stamp=stamp, domain=domain))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
