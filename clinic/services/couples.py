"""Writes to couples, clients, partners and care teams.

Each function is keyword-only, validates with full_clean(), runs in one transaction and writes its
audit event in that same transaction. Callers have already checked access (see clinic.access).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from audit.services import record_event
from clinic.ipv import encode_answers, score_hits
from clinic.models import (
    CareRole,
    CareTeamMember,
    Client,
    Couple,
    CoupleStatus,
    IPVResult,
    Partner,
    PartnerPosition,
    RiskKind,
    RiskSource,
    Role,
    User,
)
from clinic.selectors.risks import has_unresolved_suicide_risk
from clinic.services.discharge import discharge_errors, record_discharge
from clinic.services.risks import risk_raise
from keys.blind_index import blind_index
from rapport.versioning import StaleVersion

CLIENT_FIELDS = (
    "first_name", "last_name", "preferred_name", "pronouns", "date_of_birth", "email", "phone", "address",
    "emergency_contact_name", "emergency_contact_phone",
)


def _index_names(client: Client) -> None:
    client.name_index = blind_index(client.practice_id, client.full_name)
    client.last_name_index = blind_index(client.practice_id, client.last_name)


def client_create(*, practice_id: Any, by: User, **fields: Any) -> Client:
    """Register one client (identity encrypted under the practice key)."""
    client = Client(practice_id=practice_id, created_by=by, **{k: v for k, v in fields.items() if k in CLIENT_FIELDS})
    _index_names(client)
    client.full_clean()
    with transaction.atomic():
        client.save()
        record_event("client.create", actor=by, obj=client)
    return client


def client_update(*, client: Client, by: User, **fields: Any) -> Client:
    """Change a client's identity or contact details. Records which fields changed, never their values."""
    changed = []
    for name, value in fields.items():
        if name in CLIENT_FIELDS and getattr(client, name) != value:
            setattr(client, name, value)
            changed.append(name)
    if not changed:
        return client
    _index_names(client)
    client.full_clean()
    with transaction.atomic():
        client.save()
        record_event("client.update", actor=by, obj=client, detail={"fields": changed})
    return client


def _next_reference(practice_id: Any) -> str:
    year = timezone.localdate().year
    prefix = f"C-{year}-"
    last = (
        Couple.objects.filter(practice_id=practice_id, reference__startswith=prefix)
        .aggregate(Max("reference"))["reference__max"]
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


@dataclass(frozen=True)
class NewCouple:
    couple: Couple
    partner_a: Partner
    partner_b: Partner


def couple_create(
    *,
    by: User,
    partner_a: Client,
    partner_b: Client,
    start_date: datetime.date | None = None,
    presenting_concerns: str = "",
    confidentiality: str = "not_recorded",
    status: str = CoupleStatus.INTAKE,
) -> NewCouple:
    """Open a case for two clients of the creator's practice, with the creator as primary therapist."""
    if by.role not in (Role.THERAPIST, Role.SUPERVISOR):
        raise ValidationError("Only therapists and supervisors can open a case.")
    if partner_a.pk == partner_b.pk:
        raise ValidationError("The two partners must be different people.")
    if {partner_a.practice_id, partner_b.practice_id} != {by.practice_id}:
        raise ValidationError("Both partners must be clients of your practice.")
    with transaction.atomic():
        couple = Couple(
            practice_id=by.practice_id,
            reference=_next_reference(by.practice_id),
            start_date=start_date or timezone.localdate(),
            presenting_concerns=presenting_concerns,
            confidentiality=confidentiality,
            status=status,
            created_by=by,
        )
        couple.full_clean()
        couple.save()
        a = Partner.objects.create(couple=couple, client=partner_a, position=PartnerPosition.A)
        b = Partner.objects.create(couple=couple, client=partner_b, position=PartnerPosition.B)
        CareTeamMember.objects.create(couple=couple, user=by, role=CareRole.PRIMARY, start_date=couple.start_date)
        record_event("couple.create", actor=by, obj=couple)
    return NewCouple(couple, a, b)


def couple_register(
    *,
    by: User,
    partner_a: dict[str, Any],
    partner_b: dict[str, Any],
    start_date: datetime.date | None = None,
    presenting_concerns: str = "",
    confidentiality: str = "not_recorded",
) -> NewCouple:
    """Register two new clients and open their case, all or nothing (one transaction).

    `partner_a` / `partner_b` hold client fields (CLIENT_FIELDS). Same callers as couple_create.
    """
    with transaction.atomic():
        client_a = client_create(practice_id=by.practice_id, by=by, **partner_a)
        client_b = client_create(practice_id=by.practice_id, by=by, **partner_b)
        return couple_create(
            by=by, partner_a=client_a, partner_b=client_b, start_date=start_date,
            presenting_concerns=presenting_concerns, confidentiality=confidentiality,
        )


COUPLE_FIELDS = ("status", "start_date", "end_date", "presenting_concerns", "confidentiality")


def couple_update(*, couple: Couple, by: User, base_version: int | None = None,
                  discharge: dict[str, Any] | None = None, **fields: Any) -> Couple:
    """Change case details. With base_version, refuse (StaleVersion) if someone saved in between.

    Discharging (status "discharged" on a couple not yet discharged) needs `discharge`: the reason, status at
    discharge, aftercare and referrals, and recommendations (clinic.services.discharge, refused field by field
    when missing); it records them, and the apps above close their records in this transaction (plans closes the
    active treatment plan)."""
    with transaction.atomic():
        current = Couple.objects.select_for_update().get(pk=couple.pk)
        if base_version is not None and current.version != base_version:
            raise StaleVersion(current.version)
        changed = [n for n, v in fields.items() if n in COUPLE_FIELDS and getattr(couple, n) != v]
        discharging = fields.get("status") == CoupleStatus.DISCHARGED and current.status != CoupleStatus.DISCHARGED
        if discharging:
            errors = discharge_errors(discharge or {})
            if has_unresolved_suicide_risk(current):
                errors["status"] = [
                    "This couple has an unresolved suicide or self-harm risk in its risk register. Follow it up and "
                    "close it before discharging (the register is on the couple's overview)."
                ]
            if errors:
                raise ValidationError(errors)
        for name in changed:
            setattr(couple, name, fields[name])
        if couple.status == CoupleStatus.DISCHARGED and couple.end_date is None:
            couple.end_date = timezone.localdate()
            changed.append("end_date")
        if not changed:
            return couple
        couple.version = current.version + 1
        couple.full_clean()
        couple.save()
        record_event("couple.update", actor=by, obj=couple, detail={"fields": sorted(set(changed))})
        if discharging:
            record_discharge(couple=couple, by=by, details=discharge or {}, discharged_on=couple.end_date,
                             at=_end_of(couple.end_date))
    return couple


def _end_of(day: datetime.date) -> datetime.datetime:
    """When what ends with a discharge stops (the plan closes): now, or the end of a past end date."""
    now = timezone.now()
    if day >= timezone.localdate(now):
        return now
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59, 59)))


KEEP: object = object()  # partner_update: "leave this field as it is"


def partner_update(
    *,
    partner: Partner,
    by: User,
    agreed_confidentiality_on: datetime.date | None = None,
    ipv_result: str | None = None,
    ipv_screened_on: datetime.date | None = None,
    ipv_notes: str | None = None,
    measures_consent_on: datetime.date | None | object = KEEP,
    hits_answers: list[int] | None = None,
) -> Partner:
    """Record a partner's agreement date and intimate-partner-violence screen: the HITS answers (clinic.ipv,
    scored here) and the clinician's judgement (ipv_result), and the day they consented to share their individual
    measures with the other partner in couple reports (None withdraws the consent; left out: unchanged). A changed
    screen clears the couple's documented override of the joint-session gate: a new result needs a new decision."""
    changed = []
    if measures_consent_on is not KEEP and measures_consent_on != partner.measures_consent_on:
        if isinstance(measures_consent_on, datetime.date) and measures_consent_on > timezone.localdate():
            raise ValidationError({"measures_consent_on": "The consent date cannot be in the future."})
        partner.measures_consent_on = measures_consent_on
        changed.append("measures_consent_on")
    if hits_answers is not None:
        try:
            score = score_hits(hits_answers)
        except ValueError as exc:
            raise ValidationError({"hits_answers": str(exc)}) from None
        if encode_answers(score) != partner.hits_answers:
            partner.hits_answers = encode_answers(score)
            partner.hits_total = score.total
            partner.ipv_screened_by = by
            changed.append("hits_answers")
    if agreed_confidentiality_on != partner.agreed_confidentiality_on:
        partner.agreed_confidentiality_on = agreed_confidentiality_on
        changed.append("agreed_confidentiality_on")
    if ipv_result is not None and ipv_result != partner.ipv_result:
        partner.ipv_result = ipv_result
        partner.ipv_screened_by = by if ipv_result != IPVResult.NOT_DONE else None
        changed.append("ipv_result")
    if ipv_screened_on != partner.ipv_screened_on:
        partner.ipv_screened_on = ipv_screened_on
        changed.append("ipv_screened_on")
    if ipv_notes is not None and ipv_notes != partner.ipv_notes:
        partner.ipv_notes = ipv_notes
        changed.append("ipv_notes")
    if partner.ipv_result != IPVResult.NOT_DONE and partner.ipv_screened_on is None:
        raise ValidationError({"ipv_screened_on": "Give the date the screen was done."})
    if partner.ipv_screened_on and partner.ipv_screened_on > timezone.localdate():
        raise ValidationError({"ipv_screened_on": "The screen date cannot be in the future."})
    if partner.hits_total is not None and partner.ipv_screened_on is None:
        raise ValidationError({"ipv_screened_on": "Give the date the screen was done."})
    if not changed:
        return partner
    partner.full_clean()
    with transaction.atomic():
        partner.save()
        record_event("partner.update", actor=by, obj=partner, couple_id=partner.couple_id, detail={"fields": changed})
        screen_fields = {"hits_answers", "ipv_result", "ipv_screened_on"}
        if screen_fields.intersection(changed):
            cleared = Couple.objects.filter(pk=partner.couple_id, ipv_override_at__isnull=False).update(
                ipv_override_at=None, ipv_override_by=None)
            if cleared:
                # The encrypted reason stays until the next override replaces it; the gate reads the date.
                record_event("couple.ipv_override_cleared", actor=by, object_type="couple",
                             object_id=partner.couple_id, couple_id=partner.couple_id)
        if {"hits_answers", "ipv_result"}.intersection(changed) and partner.ipv_flagged:
            risk_raise(couple=partner.couple, kind=RiskKind.IPV, source=RiskSource.IPV_SCREEN, partner=partner.position,
                       detail=f"IPV screen of {partner.ipv_screened_on:%-d %b %Y}: positive or a concern.", by=by)
    return partner


def care_team_add(
    *, couple: Couple, user: User, role: str, by: User, start_date: datetime.date | None = None
) -> CareTeamMember:
    """Put a clinician of the same practice on the couple's care team."""
    if user.practice_id != couple.practice_id or not user.is_clinician or not user.is_active:
        raise ValidationError({"user": "Choose an active therapist or supervisor of this practice."})
    # The team on the day they join: someone whose last day is before then leaves room (a primary therapist
    # handing over, a co-therapist becoming primary).
    current_team = CareTeamMember.objects.current(start_date or timezone.localdate()).filter(couple=couple)
    if current_team.filter(user=user).exists():
        raise ValidationError({"user": "This person is already on the care team."})
    if role == CareRole.PRIMARY and current_team.filter(role=CareRole.PRIMARY).exists():
        raise ValidationError({"role": "The couple already has a primary therapist; end that role first."})
    member = CareTeamMember(couple=couple, user=user, role=role, start_date=start_date or timezone.localdate())
    member.full_clean()
    with transaction.atomic():
        member.save()
        record_event("care_team.add", actor=by, obj=member, couple_id=couple.pk,
                     detail={"role": role, "user_id": str(user.pk)})
    return member


def care_team_end(*, member: CareTeamMember, by: User, end_date: datetime.date | None = None,
                  successor: User | None = None) -> CareTeamMember:
    """End someone's place on a care team (the history stays). With `successor`, a primary therapist hands the
    couple over: the successor is primary therapist from the day after the last day (make_primary)."""
    end_date = end_date or timezone.localdate()
    if member.end_date is not None and member.end_date <= end_date:
        return member
    if successor is not None and (member.role != CareRole.PRIMARY or successor.pk == member.user_id):
        raise ValidationError({"successor": "Choose someone else to take over as primary therapist."})
    member.end_date = end_date
    member.full_clean()
    with transaction.atomic():
        member.save(update_fields=["end_date"])
        record_event("care_team.end", actor=by, obj=member, couple_id=member.couple_id,
                     detail={"user_id": str(member.user_id)})
        if successor is not None:
            make_primary(couple=member.couple, successor=successor, by=by, on=end_date + datetime.timedelta(days=1))
    return member


def make_primary(*, couple: Any, successor: User, by: User, on: datetime.date) -> CareTeamMember:
    """Make `successor` the couple's primary therapist from `on`. A successor already on the team (a co-therapist)
    leaves that place the day before, or, if they joined only today, has it turned into the primary role."""
    current = CareTeamMember.objects.current(on).filter(couple=couple, user=successor).first()
    if current is not None:
        if current.start_date >= on:
            current.role = CareRole.PRIMARY
            current.save(update_fields=["role"])
            record_event("care_team.add", actor=by, obj=current, couple_id=couple.pk,
                         detail={"role": CareRole.PRIMARY, "user_id": str(successor.pk), "promoted": True})
            return current
        current.end_date = on - datetime.timedelta(days=1)
        current.save(update_fields=["end_date"])
        record_event("care_team.end", actor=by, obj=current, couple_id=couple.pk,
                     detail={"user_id": str(successor.pk), "because": "became primary"})
    return care_team_add(couple=couple, user=successor, role=CareRole.PRIMARY, by=by, start_date=on)

