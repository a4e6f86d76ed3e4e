"""API serializers for CBT work between sessions and objective progress: explicit Input and Output classes.

Output classes list their fields by name; Input classes only parse the request, the services in
plans.services.cbt / plans.services.progress check the rules again and write. Update inputs are the
create inputs with every field optional, plus the required `version` the caller last read.
Field error messages never quote the submitted value.
"""

from __future__ import annotations

import copy

from django.utils import timezone
from rest_framework import serializers

from plans.models import (
    SHORT_TEXT_MAX,
    CheckingKind,
    Distortion,
    EntrySource,
    HomeworkStatus,
    PartnerPosition,
    PartnerScope,
    ProgressSource,
)
from plans.services.cbt import MOOD_NAME_MAX, MOODS_MAX, RATING_MAX, RATING_MIN
from rapport.api import VersionedUpdateInput, choice_field

RATING_MESSAGE = "Give a rating from 0 to 100."
RATING_ERRORS = {"min_value": RATING_MESSAGE, "max_value": RATING_MESSAGE, "invalid": RATING_MESSAGE}
TEXT_ERRORS = {"max_length": f"Use at most {SHORT_TEXT_MAX:,} characters."}


def _rating(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=RATING_MIN, max_value=RATING_MAX, error_messages=RATING_ERRORS,
                                    **kwargs)


def _text(**kwargs) -> serializers.CharField:
    return serializers.CharField(max_length=SHORT_TEXT_MAX, error_messages=TEXT_ERRORS, **kwargs)


def _past(value, message: str):
    if value and value > timezone.localdate():
        raise serializers.ValidationError(message)
    return value


# --- Common parts -----------------------------------------------------------------------------------
class CBTRecordOutput(serializers.Serializer):
    id = serializers.UUIDField()
    created_by = serializers.UUIDField(source="created_by_id", allow_null=True,
                                       help_text="The clinician who recorded it; null for a client-reported entry.")
    created_at = serializers.DateTimeField()
    version = serializers.IntegerField(help_text="Send it back when you change the record.")


class ClientReportedOutput(serializers.Serializer):
    source = serializers.ChoiceField(choices=EntrySource.choices,
                                     help_text="clinician, or client: the partner entered it in the portal.")
    client_reviewed_at = serializers.DateTimeField(allow_null=True)


def update_input(name: str, create_input: type[serializers.Serializer], doc: str) -> type[serializers.Serializer]:
    """`create_input`'s fields, all optional (left out = unchanged), its validation, and `version`."""
    fields = {
        field_name: field.__class__(*field._args, **{**copy.deepcopy(field._kwargs), "required": False})
        for field_name, field in create_input._declared_fields.items()
    }
    return type(name, (create_input, VersionedUpdateInput), {**fields, "__doc__": doc, "__module__": __name__})


class PartnerFilterInput(serializers.Serializer):
    partner = choice_field(PartnerScope.choices, required=False)


# --- Thought records --------------------------------------------------------------------------------
class MoodOutput(serializers.Serializer):
    mood = serializers.CharField()
    before = serializers.IntegerField()
    after = serializers.IntegerField(allow_null=True)


class MoodInput(serializers.Serializer):
    mood = serializers.CharField(max_length=MOOD_NAME_MAX, help_text="e.g. anxious, angry, hurt")
    before = _rating(help_text="Strength in the situation, 0-100.")
    after = _rating(required=False, allow_null=True, help_text="Re-rated after the balanced thought, 0-100.")


class ThoughtRecordOutput(CBTRecordOutput, ClientReportedOutput):
    partner = serializers.ChoiceField(choices=PartnerPosition.choices)
    occurred_on = serializers.DateField()
    situation = serializers.CharField()
    moods = MoodOutput(many=True)
    automatic_thought = serializers.CharField()
    evidence_for = serializers.CharField()
    evidence_against = serializers.CharField()
    balanced_thought = serializers.CharField()
    balanced_belief = serializers.IntegerField(allow_null=True)
    distortions = serializers.ListField(child=serializers.ChoiceField(choices=Distortion.choices))
    belief_before = serializers.IntegerField(allow_null=True, help_text="Belief in the automatic thought, 0-100.")
    belief_after = serializers.IntegerField(allow_null=True, help_text="Belief in it re-rated afterwards, 0-100.")
    objective_lineage = serializers.UUIDField(allow_null=True, help_text="The objective it feeds, if any.")
    updated_at = serializers.DateTimeField()


class ThoughtRecordInput(serializers.Serializer):
    """A thought record. Moods: at least one, each rated 0-100 before and optionally re-rated after."""

    partner = choice_field(PartnerPosition.choices)
    occurred_on = serializers.DateField(help_text="Date of the situation; not in the future.")
    situation = _text()
    moods = serializers.ListField(child=MoodInput(), min_length=1, max_length=MOODS_MAX,
                                  error_messages={"min_length": "Give at least one mood.",
                                                  "max_length": f"Give at most {MOODS_MAX} moods."})
    automatic_thought = _text()
    evidence_for = _text(required=False, allow_blank=True)
    evidence_against = _text(required=False, allow_blank=True)
    balanced_thought = _text(required=False, allow_blank=True)
    balanced_belief = _rating(required=False, allow_null=True, help_text="Belief in the balanced thought, 0-100.")
    distortions = serializers.ListField(child=choice_field(Distortion.choices), required=False, max_length=20)
    belief_before = _rating(required=False, allow_null=True, help_text="Belief in the automatic thought, 0-100.")
    belief_after = _rating(required=False, allow_null=True,
                           help_text="Belief in the automatic thought re-rated afterwards, 0-100.")
    objective_lineage = serializers.UUIDField(
        required=False, allow_null=True, error_messages={"invalid": "Give an objective's lineage id."},
        help_text="An objective (for this partner or both) whose data source is thought records.")

    def validate_occurred_on(self, value):
        return _past(value, "The date of the situation cannot be in the future.")

    def validate_moods(self, value):
        return [{"mood": m["mood"].strip(), "before": m["before"], "after": m.get("after")} for m in value]


ThoughtRecordUpdateInput = update_input("ThoughtRecordUpdateInput", ThoughtRecordInput,
                                        "Change a thought record; fields left out keep their value.")


# --- Behavioural experiments ------------------------------------------------------------------------
class ExperimentOutput(CBTRecordOutput, ClientReportedOutput):
    partner = serializers.ChoiceField(choices=PartnerPosition.choices)
    planned_on = serializers.DateField()
    prediction = serializers.CharField()
    belief_before = serializers.IntegerField()
    experiment = serializers.CharField()
    outcome = serializers.CharField()
    belief_after = serializers.IntegerField(allow_null=True)
    learned = serializers.CharField()
    prediction_confirmed = serializers.BooleanField(allow_null=True, help_text="Did the prediction come true?")
    objective_lineage = serializers.UUIDField(allow_null=True, help_text="The objective it feeds, if any.")
    updated_at = serializers.DateTimeField()


class ExperimentInput(serializers.Serializer):
    """A behavioural experiment. Its date may be in the future until an outcome is recorded."""

    partner = choice_field(PartnerPosition.choices)
    planned_on = serializers.DateField()
    prediction = _text()
    belief_before = _rating(help_text="Belief in the prediction before, 0-100.")
    experiment = _text(required=False, allow_blank=True, help_text="What was done.")
    outcome = _text(required=False, allow_blank=True)
    belief_after = _rating(required=False, allow_null=True, help_text="Belief in the prediction after, 0-100.")
    learned = _text(required=False, allow_blank=True)
    prediction_confirmed = serializers.BooleanField(required=False, allow_null=True,
                                                    help_text="Did the prediction come true? Null: not known yet.")
    objective_lineage = serializers.UUIDField(
        required=False, allow_null=True, error_messages={"invalid": "Give an objective's lineage id."},
        help_text="An objective (for this partner or both) whose data source is behavioural experiments.")


ExperimentUpdateInput = update_input("ExperimentUpdateInput", ExperimentInput,
                                     "Change a behavioural experiment; fields left out keep their value.")


# --- Checking / reassurance log ---------------------------------------------------------------------
class CheckingLogOutput(CBTRecordOutput, ClientReportedOutput):
    partner = serializers.ChoiceField(choices=PartnerPosition.choices)
    occurred_on = serializers.DateField()
    kind = serializers.ChoiceField(choices=CheckingKind.choices)
    trigger = serializers.CharField()
    resisted = serializers.BooleanField()
    objective_lineage = serializers.UUIDField(allow_null=True)
    updated_at = serializers.DateTimeField()


class CheckingLogInput(serializers.Serializer):
    """One urge to check or seek reassurance. With `objective_lineage`, each ISO week's count of urges not
    resisted becomes a progress point of that objective (source "log")."""

    partner = choice_field(PartnerPosition.choices)
    occurred_on = serializers.DateField(help_text="Not in the future.")
    kind = choice_field(CheckingKind.choices, required=False)
    trigger = _text(required=False, allow_blank=True)
    resisted = serializers.BooleanField(help_text="Was the urge resisted?")
    objective_lineage = serializers.UUIDField(
        required=False, allow_null=True, error_messages={"invalid": "Give the lineage id of one of the couple's "
                                                                    "objectives."},
        help_text="The lineage of the objective it counts towards; null or left out: none.",
    )

    def validate_occurred_on(self, value):
        return _past(value, "The date of the urge cannot be in the future.")


CheckingLogUpdateInput = update_input("CheckingLogUpdateInput", CheckingLogInput,
                                      "Change a checking log entry; fields left out keep their value.")


# --- Homework ---------------------------------------------------------------------------------------
class HomeworkOutput(CBTRecordOutput):
    partner = serializers.ChoiceField(choices=PartnerScope.choices)
    assigned_on = serializers.DateField()
    due_on = serializers.DateField(allow_null=True)
    description = serializers.CharField()
    status = serializers.ChoiceField(choices=HomeworkStatus.choices)
    reviewed_on = serializers.DateField(allow_null=True)
    review_note = serializers.CharField()


class HomeworkInput(serializers.Serializer):
    """Homework for one partner or both. A status other than "assigned" without `reviewed_on` is dated today."""

    partner = choice_field(PartnerScope.choices)
    assigned_on = serializers.DateField(help_text="The date it was set; not in the future.")
    due_on = serializers.DateField(required=False, allow_null=True)
    description = _text()
    status = choice_field(HomeworkStatus.choices, required=False)
    reviewed_on = serializers.DateField(required=False, allow_null=True)
    review_note = _text(required=False, allow_blank=True)

    def validate_assigned_on(self, value):
        return _past(value, "The date it was set cannot be in the future.")

    def validate_reviewed_on(self, value):
        return _past(value, "The review date cannot be in the future.")


HomeworkUpdateInput = update_input("HomeworkUpdateInput", HomeworkInput,
                                   "Change homework; fields left out keep their value.")


# --- Progress points --------------------------------------------------------------------------------
class ProgressPointOutput(serializers.Serializer):
    id = serializers.UUIDField()
    objective_lineage = serializers.UUIDField()
    recorded_on = serializers.DateField()
    value = serializers.DecimalField(max_digits=8, decimal_places=2, coerce_to_string=False)
    partner = serializers.CharField(help_text='Whose value on a both-partners objective: "a" or "b"; empty for an '
                                              "individual objective or a value recorded for the couple.")
    client_reported = serializers.BooleanField(help_text="From an entry the partner made in the portal.")
    source = serializers.ChoiceField(choices=ProgressSource.choices)
    source_id = serializers.UUIDField(allow_null=True, help_text="The note, log week or measure it came from.")
    note = serializers.CharField()
    recorded_by = serializers.UUIDField(source="recorded_by_id", allow_null=True)
    recorded_at = serializers.DateTimeField()


class ProgressPointFilterInput(serializers.Serializer):
    objective_lineage = serializers.UUIDField(required=False,
                                              error_messages={"invalid": "Give an objective's lineage id."})


class ProgressPointInput(serializers.Serializer):
    """A value entered by hand (source "manual")."""

    objective_lineage = serializers.UUIDField(error_messages={"invalid": "Give an objective's lineage id."},
                                              help_text="The lineage of one of the couple's objectives.")
    recorded_on = serializers.DateField(help_text="Not in the future.")
    value = serializers.DecimalField(max_digits=8, decimal_places=2, coerce_to_string=False)
    partner = choice_field([("a", "Partner A"), ("b", "Partner B")], required=False,
                           help_text="Required on a both-partners objective: whose value it is.")
    note = _text(required=False, allow_blank=True)

    def validate_recorded_on(self, value):
        return _past(value, "The date cannot be in the future.")
