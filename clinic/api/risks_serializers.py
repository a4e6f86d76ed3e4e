"""Serializers of the risk register API (clinic.api.risks)."""

from __future__ import annotations

from rest_framework import serializers

from clinic.api.couples_serializers import StaffBriefOutput
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
    raised_at = serializers.DateTimeField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    acknowledged_by = StaffBriefOutput(allow_null=True)
    follow_up = serializers.CharField()
    follow_up_on = serializers.DateField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    closing_note = serializers.CharField()
    escalated_at = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField()


class RiskFollowUpInput(serializers.Serializer):
    version = version_field("the risk")
    follow_up = serializers.CharField(max_length=FOLLOW_UP_MAX, help_text="What you did or will do.")
    follow_up_on = serializers.DateField(required=False, allow_null=True, help_text="When to check again.")


class RiskCloseInput(serializers.Serializer):
    version = version_field("the risk")
    note = serializers.CharField(max_length=FOLLOW_UP_MAX, help_text="Why the risk no longer needs action.")


__all__ = ["RiskFollowUpInput", "RiskCloseInput", "RiskOutput"]
