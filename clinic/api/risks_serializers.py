"""Serializers of the risk register API (clinic.api.risks)."""

from __future__ import annotations

from rest_framework import serializers

from clinic import cssrs
from clinic.api.couples_serializers import StaffBriefOutput
from clinic.api.safety_serializers import (
    SafetyPlanBriefOutput,
    SafetyPlanSectionsInput,
    ScreenAnswersInput,
    SuicideScreenOutput,
)
from clinic.models import RiskKind, RiskSource, RiskStatus
from clinic.services.risks import FOLLOW_UP_MAX
from rapport.api import choice_field, version_field


class RiskOutput(serializers.Serializer):
    id = serializers.UUIDField()
    kind = choice_field(RiskKind.choices)
    partner = serializers.CharField(help_text="'a' or 'b', or '' for the couple as a whole.")
    source = choice_field(RiskSource.choices)
    source_id = serializers.UUIDField(allow_null=True)
    detail = serializers.CharField(help_text="What was seen (encrypted at rest).")
    status = choice_field(RiskStatus.choices)
    overdue = serializers.BooleanField(help_text="Open past the practice's acknowledgement window.")
    follow_up_overdue = serializers.BooleanField(help_text="Acknowledged, and its follow-up day has passed.")
    raised_at = serializers.DateTimeField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    acknowledged_by = StaffBriefOutput(allow_null=True)
    follow_up = serializers.CharField()
    follow_up_on = serializers.DateField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    closing_note = serializers.CharField()
    escalated_at = serializers.DateTimeField(allow_null=True)
    screen = SuicideScreenOutput(allow_null=True, help_text="The C-SSRS screen recorded with the acknowledgement "
                                                            "(suicide or self-harm risks).")
    safety_plan = SafetyPlanBriefOutput(allow_null=True, help_text="The safety plan version in force when it was "
                                                                   "acknowledged.")
    safety_plan_not_made = serializers.CharField(allow_null=True, help_text="Why no safety plan was made, if so.")
    version = serializers.IntegerField()


class RiskFollowUpInput(serializers.Serializer):
    version = version_field("the risk")
    follow_up = serializers.CharField(max_length=FOLLOW_UP_MAX, help_text="What you did or will do.")
    follow_up_on = serializers.DateField(required=False, allow_null=True, help_text="When to check again.")
    screen = ScreenAnswersInput(required=False, help_text="Needed for a suicide or self-harm risk: the C-SSRS "
                                                          "screener's answers.")
    safety_plan = SafetyPlanSectionsInput(required=False, help_text="For a suicide or self-harm risk: the partner's "
                                                                    "safety plan, new or revised. Omit it to keep "
                                                                    "the plan in force.")
    safety_plan_version = serializers.IntegerField(required=False, allow_null=True, min_value=0,
                                                   help_text="The safety plan version you revised (0 for none).")
    safety_plan_not_made = serializers.CharField(required=False, allow_blank=True,
                                                 max_length=cssrs.PLAN_SECTION_MAX,
                                                 help_text="Why no plan was made (only after a negative or "
                                                           "low-risk screen, with no plan in force).")


class RiskCheckInput(serializers.Serializer):
    version = version_field("the risk")
    note = serializers.CharField(max_length=FOLLOW_UP_MAX, help_text="What the check found and what happens next.")
    follow_up_on = serializers.DateField(required=False, allow_null=True, help_text="When to check again (none: no "
                                                                                    "date).")


class RiskCloseInput(serializers.Serializer):
    version = version_field("the risk")
    note = serializers.CharField(max_length=FOLLOW_UP_MAX, help_text="Why the risk no longer needs action.")


__all__ = ["RiskFollowUpInput", "RiskCheckInput", "RiskCloseInput", "RiskOutput"]
