"""Writes to sessions (appointments): record one, change it. Sessions hold no clinical text.

Rules: a joint session needs both partners' IPV screens recorded first, and neither positive or a concern
unless an override is documented; a session may be booked ahead but not dated before the couple's start date
(clinic.services.record_dates), and a session in the future cannot be
attended; a session with a progress note stays attended, and once its note is signed its date, length and
kind stay as the note documents them. Keyword-only functions; each validates, runs in one transaction and
writes its audit event there. Callers have checked that `by` may change the couple (clinic.access).
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import record_event
from clinic.models import CareTeamMember, Couple, User
from clinic.services.record_dates import record_date_problem
from notes.code_rules import (
    DEFAULT_CODE_RULES,
    INDIVIDUAL_BRIEF_CODE,
    INDIVIDUAL_LONG_CODE,
    INDIVIDUAL_SHORT_CODE,
    INTAKE_CODE,
    JOINT_CODE,
    CodeRule,
    code_for,
)
from notes.models import Attendance, Modality, ProgressNote, Session, SessionKind
from notes.selectors.service_codes import code_rules_for
from rapport.versioning import StaleVersion

__all__ = [
    "StaleVersion", "suggest_service_code", "code_for", "CodeRule", "DEFAULT_CODE_RULES", "session_create",
    "session_update", "sync_note_start", "IPV_SCREENS_MISSING", "IPV_GATE", "INTAKE_CODE", "JOINT_CODE",
    "INDIVIDUAL_BRIEF_CODE", "INDIVIDUAL_SHORT_CODE", "INDIVIDUAL_LONG_CODE",
]

INDIVIDUAL_LONG_FROM_MINUTES = 53
# A session that did not take place is not billed as psychotherapy: no code (a late-cancellation fee, where
# the practice charges one, is not a CPT service).
UNBILLED_ATTENDANCE = (Attendance.CANCELLED, Attendance.LATE_CANCELLED, Attendance.NO_SHOW)
MAX_DURATION_MINUTES = 480
SESSION_FIELDS = ("starts_at", "duration_minutes", "modality", "kind", "attendance", "service_code", "therapist")
# Sessions that count when looking for the couple's first session (the intake).
COUNTING_ATTENDANCE = (Attendance.SCHEDULED, Attendance.ATTENDED)

IPV_SCREENS_MISSING = (
    "A session with both partners together needs both partners' IPV screens recorded first. Screen each "
    "partner on their own, then record the result on the couple's Case administration page (Agreement and IPV "
    "screen)."
)
IPV_GATE = (
    "Sessions with both partners together are on hold: a partner's IPV screen is positive (HITS above 10) "
    "or the clinician noted a concern. See each partner on their own, or document an override on the "
    "couple's overview (IPV gate: Document an override) giving the assessment done and the safety plan."
)
# Error messages avoid the words of the choices (joint, attended...): the API hides any message that repeats
# a submitted value (rapport.api), and these must stay readable.
FUTURE_ATTENDED = (
    "A session that has not happened yet cannot be marked as having taken place. Record it as scheduled, "
    "or correct the date."
)
FUTURE_MISSED = (
    "A session that has not happened yet cannot be recorded as missed. Record it as scheduled, or as "
    "cancelled if the couple has said they will not come."
)
HAS_NOTE = (
    "A progress note has been started for this session, so it must stay attended. If the session did not "
    "take place, keep it attended and say so in the note, or ask your practice administrator."
)
NOTE_SIGNED = (
    "This session's progress note is signed, so its date, length and kind cannot change any more. "
    "Add an addendum to the note to correct them."
)


def suggest_service_code(
    *, couple: Couple, kind: str, duration_minutes: int, starts_at: datetime.datetime | None = None,
    exclude_pk: Any = None, attendance: str = Attendance.ATTENDED,
) -> str:
    """The billing code to suggest: none for a session that did not take place (UNBILLED_ATTENDANCE); for the
    couple's first session the intake rule (by default 90791: a diagnostic evaluation, no time requirement);
    else the code of the kind and length, or none when the session is too short for any. The rules are the
    practice's table (notes.selectors.service_codes.code_rules_for), else DEFAULT_CODE_RULES."""
    if attendance in UNBILLED_ATTENDANCE:
        return ""
    earlier = Session.objects.filter(couple=couple, attendance__in=COUNTING_ATTENDANCE)
    if starts_at is not None:
        earlier = earlier.filter(starts_at__lt=starts_at)
    if exclude_pk is not None:
        earlier = earlier.exclude(pk=exclude_pk)
    rules = code_rules_for(couple.practice_id)
    if not earlier.exists():
        return code_for(kind=kind, duration_minutes=duration_minutes, rules=rules, intake=True)
    return code_for(kind=kind, duration_minutes=duration_minutes, rules=rules)


def _check_therapist(couple: Couple, therapist: User) -> None:
    on_team = CareTeamMember.objects.current().filter(couple=couple, user=therapist).exists()
    if not (on_team and therapist.is_clinician and therapist.practice_id == couple.practice_id):
        raise ValidationError({"therapist": ["Choose a therapist on this couple's care team."]})


EARLIEST_SESSION = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
LATEST_SESSION_YEARS_AHEAD = 2
START_OUT_OF_RANGE = f"Give a date from 2000 to at most {LATEST_SESSION_YEARS_AHEAD} years ahead."
SERVICE_CODE_CHARACTERS = re.compile(r"[0-9A-Za-z-]*")


def start_in_range(starts_at: datetime.datetime) -> bool:
    """Outside these years a date is a typing slip (and a historical UTC offset would not serialise as RFC 3339)."""
    latest = timezone.now() + datetime.timedelta(days=365 * LATEST_SESSION_YEARS_AHEAD)
    return EARLIEST_SESSION <= starts_at <= latest


def _check_rules(session: Session, *, kind_changed: bool, date_changed: bool) -> None:
    errors: dict[str, list[str]] = {}
    if not start_in_range(session.starts_at):
        errors["starts_at"] = [START_OUT_OF_RANGE]
    if not SERVICE_CODE_CHARACTERS.fullmatch(session.service_code or ""):
        errors["service_code"] = ["Use letters, digits and hyphens only in the service code."]
    if session.kind not in SessionKind.values:
        errors["kind"] = ["Choose joint, or individual with partner A or B."]
    if session.modality not in Modality.values:
        errors["modality"] = ["Choose in person, video or phone."]
    if session.attendance not in Attendance.values:
        errors["attendance"] = ["Choose scheduled, attended, cancelled, late-cancelled or no-show."]
    if not 1 <= (session.duration_minutes or 0) <= MAX_DURATION_MINUTES:
        errors["duration_minutes"] = [f"Give the length in minutes, from 1 to {MAX_DURATION_MINUTES}."]
    if session.attendance == Attendance.ATTENDED and session.starts_at > timezone.now():
        errors["attendance"] = [FUTURE_ATTENDED]
    if session.attendance == Attendance.NO_SHOW and session.starts_at > timezone.now():
        errors["attendance"] = [FUTURE_MISSED]
    if date_changed and "starts_at" not in errors:
        problem = record_date_problem(couple=session.couple, day=session.starts_at, allow_future=True,
                                      what="A session's date")
        if problem:
            errors["starts_at"] = [problem]
    # The gate first: with one partner's screen positive, recording the other's would not allow a joint session.
    if kind_changed and session.kind == SessionKind.JOINT and session.couple.ipv_joint_blocked:
        # HITS (Sherin et al. 1998) positive or a clinician's concern: no conjoint work until assessed and an
        # override is documented (clinic.ipv, clinic.services.ipv).
        errors["kind"] = [IPV_GATE]
    elif kind_changed and session.kind == SessionKind.JOINT and not session.couple.ipv_screens_complete:
        errors["kind"] = [IPV_SCREENS_MISSING]
    if errors:
        raise ValidationError(errors)


def session_create(
    *,
    couple: Couple,
    by: User,
    starts_at: datetime.datetime,
    duration_minutes: int = 50,
    modality: str = Modality.IN_PERSON,
    kind: str = SessionKind.JOINT,
    attendance: str = Attendance.SCHEDULED,
    service_code: str = "",
    therapist: User | None = None,
    series: Any = None,
) -> Session:
    """Record a session of `couple`. The therapist defaults to `by`; an empty service code takes the
    suggested one (suggest_service_code); a session that did not take place has none. `series` is the
    SessionSeries it is an occurrence of (notes.services.series). Writes `session.create`."""
    therapist = therapist or by
    _check_therapist(couple, therapist)
    session = Session(
        couple=couple, therapist=therapist, starts_at=starts_at, duration_minutes=duration_minutes,
        modality=modality, kind=kind, attendance=attendance, created_by=by, series=series,
    )
    session.service_code = "" if attendance in UNBILLED_ATTENDANCE else (
        (service_code or "").strip().upper() or suggest_service_code(
            couple=couple, kind=kind, duration_minutes=duration_minutes, starts_at=starts_at, attendance=attendance,
        )
    )
    _check_rules(session, kind_changed=True, date_changed=True)
    session.full_clean()
    with transaction.atomic():
        session.save(force_insert=True)
        record_event("session.create", actor=by, obj=session,
                     detail={"kind": kind, "attendance": attendance, "service_code": session.service_code,
                             **({"series": str(series.pk)} if series is not None else {})})
    return session


def sync_note_start(session: Session) -> None:
    """Copy the session's start onto its progress note (ProgressNote.session_starts_at, which the notes list
    sorts by). Every change of a session's time calls it, inside its transaction. A signed note's session does
    not move (session_update refuses), so only a draft's copy changes."""
    ProgressNote.objects.filter(session=session).exclude(session_starts_at=session.starts_at).update(
        session_starts_at=session.starts_at)


def _suggestion(session: Session) -> str:
    return suggest_service_code(
        couple=session.couple, kind=session.kind, duration_minutes=session.duration_minutes,
        starts_at=session.starts_at, exclude_pk=session.pk, attendance=session.attendance,
    )


def session_update(*, session: Session, by: User, base_version: int | None = None, **fields: Any) -> Session:
    """Change a session (fields named in SESSION_FIELDS). With base_version, refuse (StaleVersion) if
    someone saved in between. An empty service code, or one that was the suggestion, takes the suggested one
    for the new values; a session that did not take place has none. A session with a progress
    note stays attended; once the note is signed, its date, length and kind stay too. Changing the kind
    of a session whose note is a draft moves the note's partner restriction with it. Writes `session.update`.
    """
    with transaction.atomic():
        current = Session.objects.select_for_update().select_related("couple").get(pk=session.pk)
        if base_version is not None and current.version != base_version:
            raise StaleVersion(current.version)
        note = ProgressNote.objects.filter(session=current).only("id", "signed_at", "restricted_to_partner").first()
        if "service_code" in fields:
            fields["service_code"] = (fields["service_code"] or "").strip().upper()
        changed = [n for n in SESSION_FIELDS if n in fields and getattr(current, n) != fields[n]]
        if not changed:
            return current
        old_code = current.service_code
        # A code that was the suggestion follows the session's kind, length and attendance when they change.
        suggested_before = current.service_code == _suggestion(current) if (
            {"kind", "duration_minutes", "attendance", "starts_at"} & set(changed) and "service_code" not in fields
        ) else False
        for name in changed:
            setattr(current, name, fields[name])
        if "therapist" in changed:
            _check_therapist(current.couple, current.therapist)
        if note is not None:
            if "attendance" in changed and current.attendance != Attendance.ATTENDED:
                raise ValidationError({"attendance": [HAS_NOTE]})
            if note.signed_at is not None and {"starts_at", "duration_minutes", "kind"} & set(changed):
                field = next(n for n in ("starts_at", "duration_minutes", "kind") if n in changed)
                raise ValidationError({field: [NOTE_SIGNED]})
        _check_rules(current, kind_changed="kind" in changed, date_changed="starts_at" in changed)
        if current.attendance in UNBILLED_ATTENDANCE:
            current.service_code = ""
        elif not current.service_code or suggested_before:
            current.service_code = _suggestion(current)
        if current.service_code != old_code and "service_code" not in changed:
            changed.append("service_code")
        current.version += 1
        current.full_clean()
        current.save()
        if note is not None and "kind" in changed and note.restricted_to_partner != current.individual_partner:
            note.restricted_to_partner = current.individual_partner
            note.save(update_fields=["restricted_to_partner", "updated_at"])
        if note is not None and "starts_at" in changed:
            sync_note_start(current)
        record_event("session.update", actor=by, obj=current, detail={"fields": sorted(changed)})
    return current
