"""API serializers for sessions: explicit Input and Output classes, fields by name.

Output classes read from rows the views fetched through notes.selectors.notes; Input classes only parse and
validate, and the view hands the result to a service (which validates again). Field error messages never
quote the submitted value.
"""

from __future__ import annotations

import datetime

from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clinic.api.couples_serializers import StaffBriefOutput
from notes.models import Attendance, Modality, NoteStatus, SessionKind
from notes.selectors.notes import session_note
from notes.services import sessions as session_services
from notes.services.series import INTERVALS, MAX_OCCURRENCES
from notes.services.sessions import MAX_DURATION_MINUTES
from rapport.api import UUID_ERROR, VersionedUpdateInput, choice_field, version_field

SERVICE_CODE_VALIDATOR = RegexValidator(r"^\s*[0-9A-Za-z-]*\s*$", "Use letters, digits and hyphens only.")


def _session_start_in_range(value: datetime.datetime) -> None:
    if not session_services.start_in_range(value):
        raise serializers.ValidationError(session_services.START_OUT_OF_RANGE, code="out_of_range")


def _session_start(**kwargs) -> serializers.DateTimeField:
    return serializers.DateTimeField(validators=[_session_start_in_range], **kwargs)


def _service_code(**kwargs) -> serializers.CharField:
    return serializers.CharField(max_length=10, required=False, allow_blank=True,
                                 validators=[SERVICE_CODE_VALIDATOR], **kwargs)


class NoteBriefOutput(serializers.Serializer):
    id = serializers.UUIDField()
    status = choice_field(NoteStatus.choices)
    late_entry = serializers.BooleanField()


class SessionOutput(serializers.Serializer):
    id = serializers.UUIDField()
    couple = serializers.UUIDField(source="couple_id")
    therapist = StaffBriefOutput()
    starts_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField()
    modality = choice_field(Modality.choices)
    kind = choice_field(SessionKind.choices)
    attendance = choice_field(Attendance.choices)
    service_code = serializers.CharField()
    series = serializers.UUIDField(source="series_id", allow_null=True,
                                   help_text="The recurring series this session is an occurrence of, or null.")
    version = serializers.IntegerField()
    note = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(NoteBriefOutput(allow_null=True))
    def get_note(self, session) -> dict | None:
        """Needs the note select_related (notes.selectors.notes.sessions_for_couple)."""
        note = session_note(session)
        return NoteBriefOutput(note).data if note is not None else None


class SessionCreateInput(serializers.Serializer):
    starts_at = _session_start()
    duration_minutes = serializers.IntegerField(min_value=1, max_value=MAX_DURATION_MINUTES, default=50)
    modality = choice_field(Modality.choices, default=Modality.IN_PERSON)
    kind = choice_field(SessionKind.choices, default=SessionKind.JOINT,
                   help_text="A joint session needs both partners' IPV screens recorded first.")
    attendance = choice_field(Attendance.choices, default=Attendance.SCHEDULED,
                         help_text="A session in the future cannot be attended or a no-show.")
    service_code = _service_code(help_text="Leave out to use the suggested code (90791 intake; individual 90832 "
                                           "16-37 minutes, 90834 38-52, 90837 53+; joint 90847 from 26). "
                                           "Cancelled, late-cancelled and no-show sessions have none.")
    therapist = serializers.UUIDField(required=False, error_messages=UUID_ERROR,
                                      help_text="A therapist on the couple's care team; defaults to you.")


class SeriesCreateInput(SessionCreateInput):
    starts_at = _session_start(help_text="The first occurrence. The others keep its wall time in the practice's "
                                         "time zone across daylight-saving changes.")
    attendance = choice_field(Attendance.choices, default=Attendance.SCHEDULED,
                              help_text="The first occurrence's (a session just held); the others are scheduled.")
    repeat = choice_field(sorted(INTERVALS), help_text="1: every week; 2: every two weeks.")
    repeat_until = serializers.DateField(required=False, help_text="The last day an occurrence may fall on.")
    repeat_count = serializers.IntegerField(required=False, help_text=f"2 to {MAX_OCCURRENCES} occurrences.")


class SeriesEndInput(serializers.Serializer):
    since = serializers.DateTimeField(required=False, help_text="End from this moment on (default: now).")


class SeriesOutput(serializers.Serializer):
    id = serializers.UUIDField()
    couple = serializers.UUIDField(source="couple_id")
    therapist = StaffBriefOutput()
    first_starts_at = serializers.DateTimeField()
    time_zone = serializers.CharField()
    repeat = serializers.IntegerField(source="interval_weeks")
    repeat_until = serializers.DateField(source="until", allow_null=True)
    repeat_count = serializers.IntegerField(source="count", allow_null=True)
    duration_minutes = serializers.IntegerField()
    modality = choice_field(Modality.choices)
    kind = choice_field(SessionKind.choices)
    ended_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    sessions = SessionOutput(many=True, source="occurrences",
                             help_text="Its occurrences still on the record, in time order.")


class SeriesEndOutput(serializers.Serializer):
    removed = serializers.IntegerField(help_text="Future occurrences removed: still scheduled, documented nowhere.")
    series = SeriesOutput()


class SessionUpdateInput(VersionedUpdateInput):
    version = version_field("it")
    starts_at = _session_start(required=False)
    duration_minutes = serializers.IntegerField(min_value=1, max_value=MAX_DURATION_MINUTES, required=False)
    modality = choice_field(Modality.choices, required=False)
    kind = choice_field(SessionKind.choices, required=False)
    attendance = choice_field(Attendance.choices, required=False)
    service_code = _service_code(help_text="Empty: the suggested code.")
    therapist = serializers.UUIDField(required=False, error_messages=UUID_ERROR)


class SessionFilterInput(serializers.Serializer):
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    kind = choice_field(SessionKind.choices, required=False)
    attendance = choice_field(Attendance.choices, required=False)
