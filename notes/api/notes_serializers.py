"""API serializers for progress notes and addenda: explicit Input and Output classes, fields by name.

Output classes read from rows the views fetched through notes.selectors.notes; Input classes only parse and
validate, and the view hands the result to a service (which validates again). No `fields = "__all__"`, so a
new encrypted column is never exposed by accident. Field error messages never quote the submitted value.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clinic.api.couples_serializers import StaffBriefOutput
from clinic.models import NOTE_TEXT_MAX
from notes import note_templates as templates
from notes.models import AddendumKind, NoteStatus, NoteTemplate, SessionKind
from notes.services.validation import RATING_COMMENT_MAX, SAFETY_PLAN_MAX
from rapport.api import UUID_ERROR, VersionedUpdateInput, choice_field, version_field

RISK_CHOICES = [("", "Not answered"), *templates.RISK_ANSWERS]


def _text(limit: int, **kwargs) -> serializers.CharField:
    return serializers.CharField(
        max_length=limit, allow_blank=True, trim_whitespace=False,
        error_messages={"max_length": f"Shorten it to {limit:,} characters or fewer."}, **kwargs,
    )


class PartnerRiskSerializer(serializers.Serializer):
    """One partner's risk check. In a save, answers left out keep their value."""

    suicidal_ideation = choice_field(RISK_CHOICES, required=False)
    harm_to_others = choice_field(RISK_CHOICES, required=False)
    partner_violence = choice_field(RISK_CHOICES, required=False)
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
    partner = serializers.ChoiceField(
        choices=[("a", "Partner A"), ("b", "Partner B")], required=False, allow_blank=True, default="",
        help_text='Whose value, on a both-partners objective: "a" or "b" (one rating per partner). Empty for an '
                  "individual objective.")
    value = serializers.DecimalField(max_digits=8, decimal_places=2, coerce_to_string=False)
    comment = _text(RATING_COMMENT_MAX, required=False, default="")


class NoteRowOutput(serializers.Serializer):
    """A note without its text (lists)."""

    id = serializers.UUIDField()
    couple = serializers.UUIDField(source="couple_id")
    session = serializers.UUIDField(source="session_id")
    session_starts_at = serializers.DateTimeField()
    session_kind = choice_field(SessionKind.choices, source="session.kind")
    author = StaffBriefOutput()
    template = choice_field(NoteTemplate.choices)
    status = choice_field(NoteStatus.choices)
    version = serializers.IntegerField()
    restricted_to_partner = serializers.CharField(help_text="'a' or 'b' for an individual session's note, else ''.")
    signed_by = StaffBriefOutput(allow_null=True)
    signed_at = serializers.DateTimeField(allow_null=True)
    late_entry = serializers.BooleanField()
    requires_cosign = serializers.BooleanField()
    updated_at = serializers.DateTimeField()

    def to_representation(self, note) -> dict:
        """The fields above, written out for a list row: the same JSON as DRF's field-by-field walk (a test
        compares them), at a fraction of its cost for a page of 50. NoteOutput and subclasses use DRF's."""
        if type(self) is not NoteRowOutput:
            return super().to_representation(note)
        moment = _DATETIME.to_representation
        signed_by = note.signed_by if note.signed_by_id is not None else None
        return {
            "id": str(note.id),
            "couple": str(note.couple_id),
            "session": str(note.session_id),
            "session_starts_at": moment(note.session_starts_at),
            "session_kind": note.session.kind,
            "author": _staff_brief(note.author),
            "template": note.template,
            "status": note.status,
            "version": int(note.version),
            "restricted_to_partner": str(note.restricted_to_partner),
            "signed_by": None if signed_by is None else _staff_brief(signed_by),
            "signed_at": None if note.signed_at is None else moment(note.signed_at),
            "late_entry": bool(note.late_entry),
            "requires_cosign": bool(note.requires_cosign),
            "updated_at": moment(note.updated_at),
        }


_DATETIME = serializers.DateTimeField()  # DRF's rendering of a moment (ISO 8601 in the active time zone)


def _staff_brief(user) -> dict:
    """StaffBriefOutput's answer for `user`."""
    return {"id": str(user.id), "name": str(user.display_name)}


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
    status = choice_field(NoteStatus.choices, required=False)


class NoteCreateInput(serializers.Serializer):
    session = serializers.UUIDField(error_messages=UUID_ERROR, help_text="An attended session of a couple you treat.")
    template = choice_field(NoteTemplate.choices, required=False,
                       help_text="One your practice allows; defaults to the one you used last.")


class NoteUpdateInput(VersionedUpdateInput):
    """Parts left out keep their value. `sections` may name only some of the template's sections."""

    version = version_field("it")
    template = choice_field(NoteTemplate.choices, required=False,
                       help_text="Changing it moves the text into the new template's sections.")
    sections = serializers.DictField(child=_text(NOTE_TEXT_MAX), required=False)
    risk = RiskSerializer(required=False)
    interventions_used = serializers.ListField(child=serializers.CharField(max_length=60), required=False,
                                               help_text="Keys: `cbt:<slug>` or `plan:<intervention id>`.")
    objective_ratings = ObjectiveRatingSerializer(many=True, required=False,
                                                  help_text="The complete list: ratings left out are removed.")


class NoteSignInput(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text="The version you read: you sign what you saw.")
    # Not required here: a missing one is reported by note_sign together with every other problem (one round).
    secret = serializers.CharField(max_length=200, style={"input_type": "password"}, required=False,
                                   allow_blank=True, default="",
                                   help_text="Your password or a current code from your authenticator app.")
    confirm_open_risk = serializers.BooleanField(
        required=False, default=False,
        help_text="Required (true) when the risk check answers `none` where the risk register has an open risk of "
                  "that kind for that partner: the clinician has reviewed it.")


class AddendumOutput(serializers.Serializer):
    id = serializers.UUIDField()
    note = serializers.UUIDField(source="note_id")
    kind = choice_field(AddendumKind.choices)
    text = serializers.CharField()
    author = StaffBriefOutput()
    signed_at = serializers.DateTimeField()
    content_hash = serializers.CharField()


class AddendumInput(serializers.Serializer):
    kind = choice_field(AddendumKind.choices)
    text = serializers.CharField(max_length=NOTE_TEXT_MAX, trim_whitespace=False,
                                 error_messages={"max_length": f"Shorten it to {NOTE_TEXT_MAX:,} characters or fewer."})
    secret = serializers.CharField(max_length=200, style={"input_type": "password"},
                                   help_text="Your password or a current code from your authenticator app.")
