"""API serializers of couples, care teams and partners (and StaffBriefOutput, which plans and notes use too):
explicit Input and Output classes, fields listed by name.

Output classes read from model instances the views fetched through scoped querysets; Input classes
only parse and validate the request body, and the view hands the result to a service. Nothing here
uses `fields = "__all__"`, so a new encrypted column is never exposed by accident. Field error messages
never quote the submitted value.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clinic.api.clients_serializers import ClientBriefOutput
from clinic.ipv import decode_answers
from clinic.models import (
    NOTE_TEXT_MAX,
    AffairStatus,
    CareRole,
    Confidentiality,
    CoupleStatus,
    DischargeReason,
    IPVResult,
)
from rapport.api import UUID_ERROR, VersionedUpdateInput, choice_field, version_field


def _uuid(**kwargs) -> serializers.UUIDField:
    return serializers.UUIDField(error_messages=UUID_ERROR, **kwargs)


# --- Staff and care teams -------------------------------------------------------------------------
class StaffBriefOutput(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField(source="display_name")


class CareTeamMemberOutput(serializers.Serializer):
    id = serializers.UUIDField()
    user = StaffBriefOutput()
    role = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    is_current = serializers.BooleanField()


class CareTeamAddInput(serializers.Serializer):
    user = _uuid(help_text="A therapist or supervisor of the couple's practice.")
    role = choice_field(CareRole.choices)
    start_date = serializers.DateField(required=False, help_text="Defaults to today.")


class CareTeamEndInput(serializers.Serializer):
    end_date = serializers.DateField(required=False, help_text="Defaults to today.")
    successor = serializers.UUIDField(
        required=False, help_text="Required when you end your own place as primary therapist: who takes over, "
                                  "from the day after the last day (an active clinician of the practice).")
    confirm = serializers.BooleanField(
        required=False, default=False, help_text="Required (true) when you end your own place as primary therapist.")


# --- Partners -------------------------------------------------------------------------------------
class PartnerBriefOutput(serializers.Serializer):
    position = serializers.CharField()
    client = ClientBriefOutput()


class PartnerOutput(PartnerBriefOutput):
    agreed_confidentiality_on = serializers.DateField(allow_null=True)
    ipv_result = serializers.CharField()
    ipv_screened_on = serializers.DateField(allow_null=True)
    ipv_screened_by = serializers.UUIDField(source="ipv_screened_by_id", allow_null=True)
    ipv_notes = serializers.CharField()
    measures_consent_on = serializers.DateField(
        allow_null=True, help_text="The day this partner consented to share their individual measures (PHQ-9, "
                                   "GAD-7) with the other partner in couple reports; null: no consent.")
    hits_answers = serializers.SerializerMethodField(
        help_text="HITS answers (hurt, insult, threaten, scream), each 1-5; empty when not recorded.")
    hits_total = serializers.IntegerField(allow_null=True, help_text="4-20; above 10 is positive (Sherin et al. 1998).")
    hits_positive = serializers.BooleanField(allow_null=True)
    ipv_flagged = serializers.BooleanField(help_text="Positive HITS or the clinician's concern: joint sessions wait.")

    def get_hits_answers(self, partner) -> list[int]:
        return list(decode_answers(partner.hits_answers))


class PartnerUpdateInput(serializers.Serializer):
    """Fields left out keep their current value."""

    agreed_confidentiality_on = serializers.DateField(required=False, allow_null=True)
    ipv_result = choice_field(IPVResult.choices, required=False)
    ipv_screened_on = serializers.DateField(required=False, allow_null=True)
    ipv_notes = serializers.CharField(max_length=NOTE_TEXT_MAX, required=False, allow_blank=True)
    measures_consent_on = serializers.DateField(
        required=False, allow_null=True, help_text="Consent to share individual measures in couple reports; null "
                                                   "withdraws it.")
    hits_answers = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=5), min_length=4, max_length=4, required=False,
        help_text="HITS (Sherin et al. 1998), asked with this partner alone: hurt, insult, threaten, scream, "
                  "each 1 (never) to 5 (frequently).",
    )


# --- Couples --------------------------------------------------------------------------------------
class CoupleSummaryOutput(serializers.Serializer):
    """What a practice manager may see of a case: no names, no clinical text."""

    id = serializers.UUIDField()
    reference = serializers.CharField()
    status = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    primary_therapist = serializers.SerializerMethodField()

    @extend_schema_field(StaffBriefOutput(allow_null=True))
    def get_primary_therapist(self, couple) -> dict | None:
        """Needs the `current_primary` prefetch (see clinic.selectors.couples.with_primary_therapist)."""
        members = couple.current_primary
        return StaffBriefOutput(members[0].user).data if members else None


class CoupleListOutput(CoupleSummaryOutput):
    """A clinician's list row: the summary plus the partners' names (no case text, no IPV notes)."""

    version = serializers.IntegerField()
    partners = PartnerBriefOutput(many=True)


class CoupleDetailOutput(serializers.Serializer):
    id = serializers.UUIDField()
    reference = serializers.CharField()
    status = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    confidentiality = serializers.CharField()
    presenting_concerns = serializers.CharField()
    version = serializers.IntegerField()
    partners = PartnerOutput(many=True)
    ipv_joint_blocked = serializers.BooleanField(
        help_text="A positive IPV screen or a clinician's concern and no documented override: joint sessions "
                  "are refused.")
    ipv_override_at = serializers.DateTimeField(allow_null=True)
    ipv_override_by = serializers.UUIDField(source="ipv_override_by_id", allow_null=True)
    ipv_override_reason = serializers.CharField(allow_null=True)
    affair_status = serializers.CharField(
        allow_null=True,
        help_text="The clinician's record of an affair: \"ongoing\", \"ended\" or null (not recorded). While "
                  "ongoing, plans with forgiveness work or attachment-injury repair carry a warning.")
    affair_ended_on = serializers.DateField(allow_null=True)
    affair_recorded_by = serializers.UUIDField(source="affair_recorded_by_id", allow_null=True)
    affair_recorded_at = serializers.DateTimeField(allow_null=True)
    care_team = CareTeamMemberOutput(many=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class IpvOverrideInput(serializers.Serializer):
    reason = serializers.CharField(
        max_length=NOTE_TEXT_MAX,
        help_text="Why sessions with both partners may go on: the assessment done with each partner alone and "
                  "the safety plan.",
    )


class AffairInput(serializers.Serializer):
    affair_status = choice_field(
        AffairStatus.choices, allow_blank=True,
        help_text="\"ongoing\", \"ended\", or \"\" to clear the record.")
    affair_ended_on = serializers.DateField(required=False, allow_null=True,
                                            help_text="When it ended; only with \"ended\".")


class CoupleCreateInput(serializers.Serializer):
    partner_a = _uuid(help_text="Id of a client you can see.")
    partner_b = _uuid(help_text="Id of another client you can see.")
    start_date = serializers.DateField(required=False, help_text="Defaults to today.")
    status = choice_field(CoupleStatus.choices, required=False)
    confidentiality = choice_field(Confidentiality.choices, required=False)
    presenting_concerns = serializers.CharField(max_length=NOTE_TEXT_MAX, required=False, allow_blank=True)

    def validate(self, attrs):
        if attrs["partner_a"] == attrs["partner_b"]:
            raise serializers.ValidationError({"partner_b": "Choose two different clients."})
        return attrs


class CoupleUpdateInput(VersionedUpdateInput):
    version = version_field("the case")
    status = choice_field(CoupleStatus.choices, required=False)
    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False, allow_null=True)
    confidentiality = choice_field(Confidentiality.choices, required=False)
    presenting_concerns = serializers.CharField(max_length=NOTE_TEXT_MAX, required=False, allow_blank=True)
    # Required together when `status` becomes "discharged" (clinic.services.discharge); stored encrypted.
    discharge_reason = choice_field(DischargeReason.choices, required=False)
    discharge_reason_detail = serializers.CharField(
        max_length=NOTE_TEXT_MAX, required=False, allow_blank=True, help_text='When the reason is "other".')
    status_at_discharge = serializers.CharField(
        max_length=NOTE_TEXT_MAX, required=False, allow_blank=True, help_text="How the couple is doing at discharge.")
    aftercare = serializers.CharField(
        max_length=NOTE_TEXT_MAX, required=False, allow_blank=True, help_text="Aftercare and referrals.")
    recommendations = serializers.CharField(max_length=NOTE_TEXT_MAX, required=False, allow_blank=True)
