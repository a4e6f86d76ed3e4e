"""API serializers for sessions, progress notes and addenda: explicit Input and Output classes, fields by name.

Output classes read from rows the views fetched through notes.selectors.notes; Input classes only parse and
validate, and the view hands the result to a service (which validates again). No `fields = "__all__"`, so a
new encrypted column is never exposed by accident. Field error messages never quote the submitted value.
"""

from __future__ import annotations

import datetime

from django.core.validators import RegexValidator
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clinic.models import NOTE_TEXT_MAX
from clinic.serializers import StaffBriefOutput
from notes import note_templates as templates
from notes.models import AddendumKind, Attendance, Modality, NoteStatus, NoteTemplate, SessionKind
from notes.services import sessions as session_services
from notes.services.sessions import MAX_DURATION_MINUTES
from notes.services.validation import RATING_COMMENT_MAX, SAFETY_PLAN_MAX

CHOICE_ERROR = {"invalid_choice": "Choose one of the allowed values."}
UUID_ERROR = {"invalid": "Give the id (a UUID) of a record you can see."}
RISK_CHOICES = [("", "Not answered"), *templates.RISK_ANSWERS]


def _choice(choices, **kwargs) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=choices, error_messages=CHOICE_ERROR, **kwargs)


def _text(limit: int, **kwargs) -> serializers.CharField:
    return serializers.CharField(
        max_length=limit, allow_blank=True, trim_whitespace=False,
        error_messages={"max_length": f"Shorten it to {limit:,} characters or fewer."}, **kwargs,
    )


# --- Sessions -------------------------------------------------------------------------------------
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
    status = _choice(NoteStatus.choices)
    late_entry = serializers.BooleanField()


class SessionOutput(serializers.Serializer):
    id = serializers.UUIDField()
    couple = serializers.UUIDField(source="couple_id")
    therapist = StaffBriefOutput()
    starts_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField()
    modality = _choice(Modality.choices)
    kind = _choice(SessionKind.choices)
    attendance = _choice(Attendance.choices)
    service_code = serializers.CharField()
    version = serializers.IntegerField()
    note = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(NoteBriefOutput(allow_null=True))
    def get_note(self, session) -> dict | None:
        """Needs the note select_related (notes.selectors.notes.sessions_for_couple)."""
        from notes.selectors.notes import session_note

        note = session_note(session)
        return NoteBriefOutput(note).data if note is not None else None


class SessionCreateInput(serializers.Serializer):
    starts_at = _session_start()
    duration_minutes = serializers.IntegerField(min_value=1, max_value=MAX_DURATION_MINUTES, default=50)
    modality = _choice(Modality.choices, default=Modality.IN_PERSON)
    kind = _choice(SessionKind.choices, default=SessionKind.JOINT,
                   help_text="A joint session needs both partners' IPV screens recorded first.")
    attendance = _choice(Attendance.choices, default=Attendance.SCHEDULED,
                         help_text="A session in the future cannot be attended.")
    service_code = _service_code(help_text="Leave out to use the suggested code (90791 intake, 90847 joint, "
                                           "90834 individual up to 52 minutes, 90837 from 53).")
    therapist = serializers.UUIDField(required=False, error_messages=UUID_ERROR,
                                      help_text="A therapist on the couple's care team; defaults to you.")


class SessionUpdateInput(serializers.Serializer):
    version = serializers.IntegerField(min_value=1,
                                       help_text="The version you last read; if it changed since, the answer is 409.")
    starts_at = _session_start(required=False)
    duration_minutes = serializers.IntegerField(min_value=1, max_value=MAX_DURATION_MINUTES, required=False)
    modality = _choice(Modality.choices, required=False)
    kind = _choice(SessionKind.choices, required=False)
    attendance = _choice(Attendance.choices, required=False)
    service_code = _service_code(help_text="Empty: the suggested code.")
    therapist = serializers.UUIDField(required=False, error_messages=UUID_ERROR)


class SessionFilterInput(serializers.Serializer):
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    kind = _choice(SessionKind.choices, required=False)
    attendance = _choice(Attendance.choices, required=False)


# --- Notes ----------------------------------------------------------------------------------------
class PartnerRiskSerializer(serializers.Serializer):
    """One partner's risk check. In a save, answers left out keep their value."""

    suicidal_ideation = _choice(RISK_CHOICES, required=False)
    harm_to_others = _choice(RISK_CHOICES, required=False)
    partner_violence = _choice(RISK_CHOICES, required=False)
    safety_plan = _text(SAFETY_PLAN_MAX, required=False,
                        help_text="Required before signing if any answer for this partner is `concern`.")


class RiskSerializer(serializers.Serializer):
    a = PartnerRiskSerializer(required=False)
    b = PartnerRiskSerializer(required=False)


class NoteInterventionOutput(serializers.Serializer):
    key = serializers.CharField(help_text="`cbt:<slug>` or `plan:<intervention id>`.")
    label = serializers.CharField()


class ObjectiveRatingSerializer(serializers.Serializer):
    objective_lineage = serializers.UUIDField(error_messages=UUID_ERROR,
                                              help_text="The objective's lineage (stable across plan versions).")
    value = serializers.DecimalField(max_digits=8, decimal_places=2, coerce_to_string=False)
    comment = _text(RATING_COMMENT_MAX, required=False, default="")


class NoteRowOutput(serializers.Serializer):
    """A note without its text (lists)."""

    id = serializers.UUIDField()
    couple = serializers.UUIDField(source="couple_id")
    session = serializers.UUIDField(source="session_id")
    session_starts_at = serializers.DateTimeField(source="session.starts_at")
    session_kind = _choice(SessionKind.choices, source="session.kind")
    author = StaffBriefOutput()
    template = _choice(NoteTemplate.choices)
    status = _choice(NoteStatus.choices)
    version = serializers.IntegerField()
    restricted_to_partner = serializers.CharField(help_text="'a' or 'b' for an individual session's note, else ''.")
    signed_by = StaffBriefOutput(allow_null=True)
    signed_at = serializers.DateTimeField(allow_null=True)
    late_entry = serializers.BooleanField()
    requires_cosign = serializers.BooleanField()
    updated_at = serializers.DateTimeField()


class NoteOutput(NoteRowOutput):
    """A note with its text: sections of its template, risk check, interventions and objective ratings."""

    sections = serializers.SerializerMethodField()
    risk = RiskSerializer()
    interventions_used = NoteInterventionOutput(many=True)
    objective_ratings = ObjectiveRatingSerializer(many=True, source="objective_ratings.all")
    content_hash = serializers.CharField()
    cosigned_by = StaffBriefOutput(allow_null=True)
    cosigned_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def get_sections(self, note) -> dict:
        content = note.content or {}
        return {key: content.get(key, "") for key in templates.section_keys(note.template)}


class NoteFilterInput(serializers.Serializer):
    couple = serializers.UUIDField(required=False, error_messages=UUID_ERROR)
    date_from = serializers.DateField(required=False, help_text="Sessions on or after this day.")
    date_to = serializers.DateField(required=False, help_text="Sessions on or before this day.")
    status = _choice(NoteStatus.choices, required=False)


class NoteCreateInput(serializers.Serializer):
    session = serializers.UUIDField(error_messages=UUID_ERROR, help_text="An attended session of a couple you treat.")
    template = _choice(NoteTemplate.choices, required=False,
                       help_text="One your practice allows; defaults to the one you used last.")


class NoteUpdateInput(serializers.Serializer):
    """Parts left out keep their value. `sections` may name only some of the template's sections."""

    version = serializers.IntegerField(min_value=1,
                                       help_text="The version you last read; if it changed since, the answer is 409.")
    template = _choice(NoteTemplate.choices, required=False,
                       help_text="Changing it moves the text into the new template's sections.")
    sections = serializers.DictField(child=_text(NOTE_TEXT_MAX), required=False)
    risk = RiskSerializer(required=False)
    interventions_used = serializers.ListField(child=serializers.CharField(max_length=60), required=False,
                                               help_text="Keys: `cbt:<slug>` or `plan:<intervention id>`.")
    objective_ratings = ObjectiveRatingSerializer(many=True, required=False,
                                                  help_text="The complete list: ratings left out are removed.")


class NoteSignInput(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text="The version you read: you sign what you saw.")
    secret = serializers.CharField(max_length=200, style={"input_type": "password"},
                                   help_text="Your password or a current code from your authenticator app.")


class AddendumOutput(serializers.Serializer):
    id = serializers.UUIDField()
    note = serializers.UUIDField(source="note_id")
    kind = _choice(AddendumKind.choices)
    text = serializers.CharField()
    author = StaffBriefOutput()
    signed_at = serializers.DateTimeField()
    content_hash = serializers.CharField()


class AddendumInput(serializers.Serializer):
    kind = _choice(AddendumKind.choices)
    text = serializers.CharField(max_length=NOTE_TEXT_MAX, trim_whitespace=False,
                                 error_messages={"max_length": f"Shorten it to {NOTE_TEXT_MAX:,} characters or fewer."})
    secret = serializers.CharField(max_length=200, style={"input_type": "password"},
                                   help_text="Your password or a current code from your authenticator app.")


def _version_required(auto_schema, target, direction) -> dict:
    """drf-spectacular drops `required` from PATCH bodies; `version` is required all the same."""
    schema = auto_schema._map_basic_serializer(target, direction)
    schema["required"] = ["version"]
    return schema


class SessionUpdateInputScheme(OpenApiSerializerExtension):
    target_class = SessionUpdateInput

    def map_serializer(self, auto_schema, direction):
        return _version_required(auto_schema, self.target, direction)


class NoteUpdateInputScheme(OpenApiSerializerExtension):
    target_class = NoteUpdateInput

    def map_serializer(self, auto_schema, direction):
        return _version_required(auto_schema, self.target, direction)
