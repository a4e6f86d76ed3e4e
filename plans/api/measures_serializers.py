"""API serializers for outcome measures: explicit Input and Output classes, fields listed by name.

Outputs read instruments (plain dataclasses) and administrations the views fetched through scoped
querysets. Inputs parse the body; answers are checked against the instrument here and again by the
service. Messages name items by number and wording, never the submitted values.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clinic.api.couples_serializers import StaffBriefOutput
from clinic.models import PartnerPosition
from plans.instruments import InvalidAnswers
from plans.instruments.custom import MAX_ITEMS
from plans.models import SHORT_TEXT_MAX, EntrySource, ScheduleEvery
from rapport.api import choice_field


# --- Instruments ----------------------------------------------------------------------------------
class InstrumentOptionOutput(serializers.Serializer):
    value = serializers.IntegerField()
    label = serializers.CharField(help_text="Empty for the unlabelled middle points of a semantic differential.")


class InstrumentItemOutput(serializers.Serializer):
    number = serializers.IntegerField(help_text="1 for the first item; answers are given in this order.")
    text = serializers.CharField()
    preamble = serializers.CharField(help_text="Instructions shown above this item, if it starts a section.")
    options = InstrumentOptionOutput(many=True)


class InstrumentBandOutput(serializers.Serializer):
    low = serializers.IntegerField()
    high = serializers.IntegerField()
    label = serializers.CharField()


class InstrumentReliableChangeOutput(serializers.Serializer):
    threshold = serializers.FloatField(help_text="A change of at least this many points (either way) is reliable.")
    source = serializers.CharField()


class InstrumentBriefOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    short_name = serializers.CharField()
    builtin = serializers.BooleanField(help_text="False for an instrument the practice added.")
    item_count = serializers.SerializerMethodField()
    min_score = serializers.IntegerField()
    max_score = serializers.IntegerField()
    higher_is_better = serializers.BooleanField()
    cutoff = serializers.FloatField(allow_null=True)
    cutoff_label = serializers.CharField()
    reliable_change = InstrumentReliableChangeOutput(allow_null=True)
    reliable_change_note = serializers.CharField(help_text="Why changes are not classified, when there is no "
                                                           "published threshold.")
    accepts_partial = serializers.BooleanField(help_text="True: an unanswered item may be sent as null; the form "
                                                         "is stored as incomplete.")
    proration_max_missing = serializers.SerializerMethodField(
        help_text="At most this many unanswered items still give a (prorated) total; null: never prorated.")
    proration_source = serializers.SerializerMethodField()

    def get_item_count(self, instrument) -> int:
        return len(instrument.items)

    def get_proration_max_missing(self, instrument) -> int | None:
        return instrument.proration.max_missing if instrument.proration else None

    def get_proration_source(self, instrument) -> str:
        return instrument.proration.source if instrument.proration else instrument.proration_note


class InstrumentOutput(InstrumentBriefOutput):
    instructions = serializers.CharField()
    items = InstrumentItemOutput(many=True)
    bands = InstrumentBandOutput(many=True)
    cutoff_source = serializers.CharField()
    risk_items = serializers.ListField(child=serializers.IntegerField(),
                                       help_text="Items where an answer above 0 raises a risk flag.")
    risk_note = serializers.CharField()
    source = serializers.CharField()
    licence = serializers.CharField()


# --- Administrations ------------------------------------------------------------------------------
class MeasureOutput(serializers.Serializer):
    id = serializers.UUIDField()
    couple = serializers.UUIDField(source="couple_id")
    instrument = serializers.CharField()
    partner = serializers.CharField(help_text="a or b")
    administered_on = serializers.DateField()
    total = serializers.IntegerField(allow_null=True, help_text="Null: an incomplete form that may not be prorated.")
    band = serializers.CharField()
    incomplete = serializers.BooleanField(help_text="True when any item was left unanswered.")
    missing_items = serializers.IntegerField()
    prorated = serializers.BooleanField(help_text="True when `total` is prorated from a partial form.")
    risk_flag = serializers.BooleanField()
    risk_acknowledged = serializers.SerializerMethodField()
    risk_acknowledged_at = serializers.DateTimeField(allow_null=True)
    recorded_at = serializers.DateTimeField()
    source = serializers.ChoiceField(choices=EntrySource.choices,
                                     help_text="clinician, or client: the partner answered in the portal.")

    def get_risk_acknowledged(self, measure) -> bool:
        return measure.risk_acknowledged_at is not None


class MeasureDetailOutput(MeasureOutput):
    answers = serializers.ListField(child=serializers.IntegerField(allow_null=True),
                                    help_text="One value per item, in order; null for an unanswered item.")
    difficulty = serializers.IntegerField(allow_null=True, help_text="The unscored difficulty question (0-3).")
    recorded_by = StaffBriefOutput(allow_null=True, help_text="Null for a client-reported administration.")
    risk_acknowledged_by = StaffBriefOutput(allow_null=True)
    risk_acknowledgement_note = serializers.CharField(allow_null=True)


@extend_schema_field({"type": "integer", "nullable": True})
class AnswerField(serializers.Field):
    """Any JSON value: the instrument says which are acceptable, item by item."""

    def to_internal_value(self, data):
        return data

    def to_representation(self, value):
        return value


class MeasureCreateInput(serializers.Serializer):
    instrument = serializers.CharField(max_length=40, help_text="An instrument code (see /api/v1/instruments/).")
    partner = choice_field(PartnerPosition.choices)
    administered_on = serializers.DateField(help_text="Not in the future.")
    answers = serializers.ListField(
        child=AnswerField(allow_null=True), max_length=MAX_ITEMS,
        help_text="One whole number per item, in item order, each one of the item's option values. Where the "
                  "instrument accepts partial forms (PHQ-9, GAD-7), null for an item left unanswered.",
    )
    difficulty = AnswerField(required=False, allow_null=True,
                             help_text="PHQ-9 and GAD-7: the unscored difficulty question, 0-3 (optional).")

    def validate_administered_on(self, value):
        if value > timezone.localdate():
            raise serializers.ValidationError("The date cannot be in the future.")
        return value

    def validate(self, attrs):
        instrument = self.context["instruments"].get(attrs["instrument"])
        if instrument is None:
            raise serializers.ValidationError({"instrument": "Choose an instrument this practice can record "
                                                             "(see /api/v1/instruments/)."})
        try:
            attrs["answers"] = instrument.validate(attrs["answers"], allow_partial=True)
        except InvalidAnswers as error:
            raise serializers.ValidationError({"answers": error.messages}) from None
        try:
            attrs["difficulty"] = instrument.validate_difficulty(attrs.get("difficulty"))
        except InvalidAnswers as error:
            raise serializers.ValidationError({"difficulty": error.messages}) from None
        attrs["instrument"] = instrument
        return attrs


class MeasureFilterInput(serializers.Serializer):
    instrument = serializers.CharField(max_length=40, required=False)
    partner = choice_field(PartnerPosition.choices, required=False)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)


class RiskAcknowledgeInput(serializers.Serializer):
    note = serializers.CharField(max_length=SHORT_TEXT_MAX, help_text="What was done about the risk (required).")


# --- Schedules and measures due -------------------------------------------------------------------
class MeasureScheduleEntry(serializers.Serializer):
    instrument = serializers.CharField(max_length=40)
    every = choice_field(ScheduleEvery.choices)


class MeasureScheduleOutput(serializers.Serializer):
    plan = serializers.UUIDField(source="id")
    plan_status = serializers.CharField(source="status")
    schedule_version = serializers.IntegerField(help_text="Send it back with a change; 409 if it changed since.")
    schedules = MeasureScheduleEntry(many=True)


class MeasureScheduleInput(serializers.Serializer):
    schedule_version = serializers.IntegerField(min_value=1, help_text="The schedule_version you last read.")
    schedules = MeasureScheduleEntry(many=True, allow_empty=True,
                                     help_text="The whole schedule: it replaces the old one.")

    def validate_schedules(self, value):
        codes = [entry["instrument"] for entry in value]
        if len(codes) != len(set(codes)):
            raise serializers.ValidationError("Give each instrument at most once.")
        return value


class MeasureDueOutput(serializers.Serializer):
    couple = serializers.UUIDField(source="couple_id")
    couple_reference = serializers.CharField()
    instrument = serializers.CharField()
    instrument_name = serializers.CharField()
    partner = serializers.CharField()
    every = serializers.CharField()
    last_given = serializers.DateField(allow_null=True)
    due_since = serializers.DateField()
    can_record = serializers.BooleanField()
