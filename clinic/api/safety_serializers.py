"""Serializers of the suicide-risk follow-up API (clinic.api.safety) and the parts the risk API reuses."""

from __future__ import annotations

from rest_framework import serializers

from clinic import cssrs
from clinic.api.couples_serializers import StaffBriefOutput
from clinic.models import PartnerPosition
from rapport.api import choice_field

TRIAGE_CHOICES = tuple((level, label) for level, label in cssrs.TRIAGE_LABELS.items())


def _base_version(subject: str) -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=0, help_text=f"The number of the partner's latest {subject} you read (0 if there was none); if "
                               "another was saved since, the answer is 409.")


class ScreenAnswersInput(serializers.Serializer):
    """The C-SSRS screener (Screen Version, Recent): true, false, or null for a question the skip logic skips."""

    q1 = serializers.BooleanField(allow_null=True, required=False, help_text="Wish to be dead (past month).")
    q2 = serializers.BooleanField(allow_null=True, required=False,
                                  help_text="Non-specific active suicidal thoughts (past month).")
    q3 = serializers.BooleanField(allow_null=True, required=False, help_text="Thoughts with method; only if q2.")
    q4 = serializers.BooleanField(allow_null=True, required=False, help_text="Intent, no plan; only if q2.")
    q5 = serializers.BooleanField(allow_null=True, required=False, help_text="Intent with plan; only if q2.")
    q6 = serializers.BooleanField(allow_null=True, required=False, help_text="Suicidal behaviour, lifetime.")
    q6_recent = serializers.BooleanField(allow_null=True, required=False,
                                         help_text="Within the past 3 months; only if q6.")


class ScreenAnswersOutput(serializers.Serializer):
    q1 = serializers.BooleanField(allow_null=True)
    q2 = serializers.BooleanField(allow_null=True)
    q3 = serializers.BooleanField(allow_null=True)
    q4 = serializers.BooleanField(allow_null=True)
    q5 = serializers.BooleanField(allow_null=True)
    q6 = serializers.BooleanField(allow_null=True)
    q6_recent = serializers.BooleanField(allow_null=True)


class SafetyPlanSectionsInput(serializers.Serializer):
    """Stanley & Brown (2012) steps 1-6 are needed; reasons for living are optional."""

    warning_signs = serializers.CharField(allow_blank=True, required=False, max_length=cssrs.PLAN_SECTION_MAX)
    coping_strategies = serializers.CharField(allow_blank=True, required=False, max_length=cssrs.PLAN_SECTION_MAX)
    social_distraction = serializers.CharField(allow_blank=True, required=False, max_length=cssrs.PLAN_SECTION_MAX)
    people_to_ask = serializers.CharField(allow_blank=True, required=False, max_length=cssrs.PLAN_SECTION_MAX)
    professionals = serializers.CharField(allow_blank=True, required=False, max_length=cssrs.PLAN_SECTION_MAX,
                                          help_text="Clinicians, emergency services and crisis lines.")
    means_safety = serializers.CharField(allow_blank=True, required=False, max_length=cssrs.PLAN_SECTION_MAX)
    reasons_for_living = serializers.CharField(allow_blank=True, required=False,
                                               max_length=cssrs.PLAN_SECTION_MAX)


class SuicideScreenOutput(serializers.Serializer):
    id = serializers.UUIDField()
    partner = choice_field(PartnerPosition.choices)
    number = serializers.IntegerField(help_text="1 for the partner's first screen, then 2, 3...")
    answers = ScreenAnswersOutput()
    triage = choice_field(TRIAGE_CHOICES)
    recorded_at = serializers.DateTimeField()
    recorded_by = StaffBriefOutput(allow_null=True)


class SafetyPlanOutput(serializers.Serializer):
    id = serializers.UUIDField()
    partner = choice_field(PartnerPosition.choices)
    number = serializers.IntegerField(help_text="The version; the highest is the plan in force.")
    warning_signs = serializers.CharField()
    coping_strategies = serializers.CharField()
    social_distraction = serializers.CharField()
    people_to_ask = serializers.CharField()
    professionals = serializers.CharField()
    means_safety = serializers.CharField()
    reasons_for_living = serializers.CharField()
    made_at = serializers.DateTimeField()
    made_by = StaffBriefOutput(allow_null=True)


class SafetyPlanBriefOutput(serializers.Serializer):
    id = serializers.UUIDField()
    partner = choice_field(PartnerPosition.choices)
    number = serializers.IntegerField()


class SuicideScreenInput(serializers.Serializer):
    partner = choice_field(PartnerPosition.choices)
    version = _base_version("screen")
    answers = ScreenAnswersInput()


class SafetyPlanInput(SafetyPlanSectionsInput):
    partner = choice_field(PartnerPosition.choices)
    version = _base_version("safety plan")


__all__ = ["SafetyPlanInput", "SafetyPlanOutput", "SuicideScreenInput", "SuicideScreenOutput"]
