"""API serializers of treatment plans and the library: explicit Input and Output classes.

Output classes read plans fetched through clinic.access with plans.selectors.plans prefetching; Input
classes only parse the body, and plans.services.plans does the writing and applies the rules. Every field
is listed by name, so a new encrypted column is never exposed by accident.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clinic.api.couples_serializers import StaffBriefOutput
from clinic.models import NOTE_TEXT_MAX
from plans import diagnoses as plan_diagnoses
from plans.models import (
    SHORT_TEXT_MAX,
    AcknowledgementMethod,
    Approach,
    Direction,
    LibraryKind,
    ObjectiveDataSource,
    ObjectiveStatus,
    PartnerPosition,
    PartnerScope,
)
from rapport.api import UUID_ERROR, VersionedUpdateInput, choice_field, version_field

NUMBER_ERRORS = {
    "invalid": "Give a number, for example 12 or 4.5.",
    "max_digits": "Give at most 6 digits before the decimal point.",
    "max_decimal_places": "Give at most 2 decimal places.",
    "max_whole_digits": "Give at most 6 digits before the decimal point.",
}


def _text(max_length: int, **kwargs) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, error_messages={
        "max_length": f"Keep this to {max_length:,} characters or fewer.",
    }, **kwargs)


def _number(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=8, decimal_places=2, coerce_to_string=False,
                                    error_messages=NUMBER_ERRORS, **kwargs)


# --- Output ------------------------------------------------------------------------------------------
class InterventionOutput(serializers.Serializer):
    id = serializers.UUIDField()
    goal = serializers.UUIDField(source="goal_id")
    position = serializers.IntegerField()
    approach = serializers.CharField()
    description = serializers.CharField()
    frequency = serializers.CharField()
    delivered_by = serializers.CharField()
    library_item = serializers.UUIDField(source="library_item_id", allow_null=True)


class ObjectiveOutput(serializers.Serializer):
    id = serializers.UUIDField()
    goal = serializers.UUIDField(source="goal_id")
    lineage = serializers.UUIDField(help_text="Stays the same across plan versions; progress is kept by lineage.")
    position = serializers.IntegerField()
    text = serializers.CharField()
    who = serializers.CharField()
    metric = serializers.CharField()
    unit = serializers.CharField()
    baseline = _number(allow_null=True, help_text="Empty only on a draft's objective taken from the library, or "
                                                  "a both-partners objective with a baseline per partner.")
    baseline_a = _number(allow_null=True, help_text="Both-partners objectives: partner A's own baseline.")
    baseline_b = _number(allow_null=True, help_text="Both-partners objectives: partner B's own baseline.")
    target = _number(allow_null=True)
    data_source = serializers.CharField(help_text="Where its values come from (plans.models.ObjectiveDataSource).")
    direction = serializers.CharField()
    target_date = serializers.DateField(allow_null=True)
    status = serializers.CharField()
    library_item = serializers.UUIDField(source="library_item_id", allow_null=True)


class ObjectiveWithProgressOutput(ObjectiveOutput):
    latest_value = _number(allow_null=True, read_only=True,
                           help_text="The newest progress value of this objective's lineage, if any.")
    latest_on = serializers.DateField(allow_null=True, read_only=True)


class GoalOutput(serializers.Serializer):
    id = serializers.UUIDField()
    problem = serializers.UUIDField(source="problem_id")
    position = serializers.IntegerField()
    text = serializers.CharField()


class GoalWithItemsOutput(GoalOutput):
    objectives = ObjectiveWithProgressOutput(many=True)
    interventions = InterventionOutput(many=True)


class ProblemOutput(serializers.Serializer):
    id = serializers.UUIDField()
    position = serializers.IntegerField()
    applies_to = serializers.CharField()
    title = serializers.CharField()
    behavioural_definition = serializers.CharField()
    library_item = serializers.UUIDField(source="library_item_id", allow_null=True)


class ProblemWithGoalsOutput(ProblemOutput):
    goals = GoalWithItemsOutput(many=True)


class PlanScheduleOutput(serializers.Serializer):
    instrument = serializers.CharField()
    every = serializers.CharField()


class PlanSummaryOutput(serializers.Serializer):
    """One version of a plan without its text or structure."""

    id = serializers.UUIDField()
    couple = serializers.UUIDField(source="couple_id")
    number = serializers.IntegerField()
    status = serializers.CharField(help_text="draft, active or superseded")
    version = serializers.IntegerField(help_text="Edit counter of the draft's formulation and review date.")
    review_due = serializers.DateField(allow_null=True)
    supersedes = serializers.UUIDField(source="supersedes_id", allow_null=True)
    created_at = serializers.DateTimeField()
    signed_by = StaffBriefOutput(allow_null=True)
    signed_at = serializers.DateTimeField(allow_null=True)
    superseded_at = serializers.DateTimeField(allow_null=True)
    partner_a_ack_on = serializers.DateField(allow_null=True)
    partner_a_ack_method = serializers.CharField()
    partner_b_ack_on = serializers.DateField(allow_null=True)
    partner_b_ack_method = serializers.CharField()


class DiagnosesOutput(serializers.Serializer):
    """ICD-10-CM codes from plans.diagnoses (a curated list): per partner and for the relationship."""

    a = serializers.ListField(child=serializers.CharField(), help_text="Partner A's codes, e.g. F41.1.")
    b = serializers.ListField(child=serializers.CharField(), help_text="Partner B's codes.")
    relationship = serializers.ListField(child=serializers.CharField(), help_text="Z63.0 or Z63.5.")


class DiagnosesInput(serializers.Serializer):
    a = serializers.ListField(child=serializers.CharField(max_length=10), required=False, max_length=10)
    b = serializers.ListField(child=serializers.CharField(max_length=10), required=False, max_length=10)
    relationship = serializers.ListField(child=serializers.CharField(max_length=10), required=False,
                                         max_length=10)


class PlanDetailOutput(PlanSummaryOutput):
    """A plan version with its formulation, diagnoses and whole structure."""

    formulation = serializers.CharField()
    diagnoses = serializers.SerializerMethodField()
    problems = ProblemWithGoalsOutput(many=True)
    schedules = PlanScheduleOutput(many=True)

    @extend_schema_field(DiagnosesOutput)
    def get_diagnoses(self, plan) -> dict:
        return {**plan_diagnoses.empty(), **(plan.diagnoses or {})}


class LibraryItemOutput(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    behavioural_definition = serializers.CharField()
    goal_text = serializers.CharField()
    objective_text = serializers.CharField()
    metric = serializers.CharField()
    unit = serializers.CharField()
    direction = serializers.CharField()
    approach = serializers.CharField()
    frequency = serializers.CharField()
    source = serializers.CharField(help_text="Published sources this item is based on.")
    active = serializers.BooleanField()
    updated_at = serializers.DateTimeField()


# --- Input -------------------------------------------------------------------------------------------
class PlanUpdateInput(VersionedUpdateInput):
    version = version_field("the draft")
    formulation = _text(NOTE_TEXT_MAX, required=False, allow_blank=True)
    diagnoses = DiagnosesInput(required=False, help_text="Replaces all three lists; codes from the curated "
                                                         "ICD-10-CM list (plans.diagnoses).")
    review_due = serializers.DateField(required=False, allow_null=True,
                                       help_text="Empty: set on signing from the practice's review interval.")


class PlanSignInput(serializers.Serializer):
    secret = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"},
                                   help_text="Your password, or a current authenticator or backup code.")


class PlanAcknowledgeInput(serializers.Serializer):
    partner = choice_field(PartnerPosition.choices)
    acknowledged_on = serializers.DateField()
    method = choice_field([c for c in AcknowledgementMethod.choices if c[0]])


class ProblemInput(serializers.Serializer):
    applies_to = choice_field(PartnerScope.choices, required=False, help_text="Defaults to both partners.")
    title = _text(SHORT_TEXT_MAX)
    behavioural_definition = _text(NOTE_TEXT_MAX, required=False, allow_blank=True)


class GoalInput(serializers.Serializer):
    text = _text(SHORT_TEXT_MAX)


class GoalCreateInput(GoalInput):
    problem = serializers.UUIDField(error_messages=UUID_ERROR, help_text="A problem of this draft.")


class ObjectiveInput(serializers.Serializer):
    text = _text(SHORT_TEXT_MAX)
    who = choice_field(PartnerScope.choices, required=False, help_text="Defaults to both partners.")
    metric = _text(300)
    unit = _text(40)
    baseline = _number(required=False, allow_null=True,
                       help_text="Required unless a both-partners objective has a baseline for each partner.")
    baseline_a = _number(required=False, allow_null=True, help_text="Both-partners objectives: partner A's.")
    baseline_b = _number(required=False, allow_null=True, help_text="Both-partners objectives: partner B's.")
    target = _number(help_text="Must lie in the direction of improvement from the baseline.")
    data_source = choice_field(ObjectiveDataSource.choices, required=False, help_text="Defaults to manual.")
    direction = choice_field(Direction.choices)
    target_date = serializers.DateField(required=False, allow_null=True, help_text="Not before today.")
    status = choice_field(ObjectiveStatus.choices, required=False)


class ObjectiveCreateInput(ObjectiveInput):
    goal = serializers.UUIDField(error_messages=UUID_ERROR, help_text="A goal of this draft.")


class InterventionInput(serializers.Serializer):
    approach = choice_field(Approach.choices)
    description = _text(SHORT_TEXT_MAX)
    frequency = _text(80, required=False, allow_blank=True)
    delivered_by = _text(120, required=False, allow_blank=True)


class InterventionCreateInput(InterventionInput):
    goal = serializers.UUIDField(error_messages=UUID_ERROR, help_text="A goal of this draft.")


class LibraryItemInput(serializers.Serializer):
    title = _text(200)
    description = _text(4000, required=False, allow_blank=True)
    behavioural_definition = _text(4000, required=False, allow_blank=True)
    goal_text = _text(2000, required=False, allow_blank=True)
    objective_text = _text(2000, required=False, allow_blank=True)
    metric = _text(200, required=False, allow_blank=True)
    unit = _text(40, required=False, allow_blank=True)
    direction = choice_field(Direction.choices, required=False, allow_blank=True)
    approach = choice_field(Approach.choices, required=False, allow_blank=True)
    frequency = _text(80, required=False, allow_blank=True)
    source = _text(2000, required=False, allow_blank=True)
    active = serializers.BooleanField(required=False)


class LibraryItemCreateInput(LibraryItemInput):
    kind = choice_field(LibraryKind.choices)
