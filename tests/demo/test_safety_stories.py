"""The demo's clinical-safety stories (issue 11, item 9): after seed_demo there is a couple whose positive IPV
screen was overridden for joint work, a couple with an open suicide risk on the demo therapist's Today, and a
partner who recovered; and risks raised by the demo's history carry the day they happened, not the seed's.

The demo is seeded once for this module (see tests/demo/test_plans.py, whose fixture this reuses).
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.ipv import HITS_POSITIVE_ABOVE
from clinic.models import CareRole, Couple, Risk, RiskKind, RiskSource, RiskStatus, User
from demo import notes as demo_notes
from notes.models import Session, SessionKind
from plans.instruments import BUILTIN, RECOVERED, classify_outcome
from plans.models import MeasureAdministration
from tests.demo.test_plans import cases_by_key, seeded  # noqa: F401  (the module-scoped demo)

pytestmark = pytest.mark.django_db


def test_one_couple_has_a_positive_hits_screen_and_a_documented_override(seeded, login):  # noqa: F811
    flagged = [couple for couple in Couple.objects.filter(practice=seeded.practice) if couple.ipv_flagged]
    assert len(flagged) == 1
    couple = flagged[0]
    positive = [p for p in couple.partners.all() if p.hits_total is not None and p.hits_total > HITS_POSITIVE_ABOVE]
    assert len(positive) == 1
    assert not couple.ipv_joint_blocked
    assert couple.ipv_override_reason and couple.ipv_override_by is not None
    # Documented on the day of the screen, before the couple's first joint session: every joint session after it.
    assert timezone.localdate(couple.ipv_override_at) == couple.start_date == positive[0].ipv_screened_on
    joint = Session.objects.filter(couple=couple, kind=SessionKind.JOINT)
    assert joint.count() > 5 and not joint.filter(starts_at__lt=couple.ipv_override_at).exists()
    risk = Risk.objects.get(couple=couple, kind=RiskKind.IPV, source=RiskSource.IPV_SCREEN)
    assert risk.partner == positive[0].position and risk.status == RiskStatus.ACKNOWLEDGED
    assert timezone.localdate(risk.raised_at) == couple.start_date
    assert risk.acknowledged_at <= couple.ipv_override_at + datetime.timedelta(minutes=1)
    # The therapist sees the override on the couple's page.
    therapist = couple.care_team.get(role=CareRole.PRIMARY).user
    body = login(therapist).get(reverse("clinic:couple-detail", args=[couple.pk])).content.decode()
    assert "IPV gate: override documented" in body


def test_one_open_suicide_risk_is_recent_and_on_the_demo_therapists_today(seeded, login):  # noqa: F811
    therapist = User.objects.get(username=demo_notes.DEMO_THERAPIST)
    case = cases_by_key(seeded.practice)[demo_notes.TODAY_ATTENDED]
    risk = Risk.objects.get(couple=case.couple, kind=RiskKind.SUICIDE, status=RiskStatus.OPEN)
    assert risk.source == RiskSource.MEASURE and risk.partner == demo_notes.TODAY_RISK_PARTNER
    phq9 = MeasureAdministration.objects.get(pk=risk.source_id)
    assert phq9.instrument == "phq9" and phq9.answers[8] > 0 and phq9.risk_acknowledged_at is None
    assert phq9.administered_on == timezone.localdate()
    assert timezone.now() - risk.raised_at < datetime.timedelta(hours=1)
    body = login(therapist).get(reverse("notes:therapist-home")).content.decode()
    risks = body.split('id="risks-heading"', 1)[1].split("</section>", 1)[0]
    assert case.couple.reference in risks and "Suicide or self-harm" in risks and "Open" in risks


def test_risks_raised_by_the_demo_history_carry_the_day_they_happened(seeded):  # noqa: F811
    today = timezone.localdate()
    for risk in Risk.objects.filter(couple__practice=seeded.practice, source=RiskSource.MEASURE):
        phq9 = MeasureAdministration.objects.get(pk=risk.source_id)
        assert timezone.localdate(risk.raised_at) == phq9.administered_on
        if phq9.risk_acknowledged_at is not None:
            assert risk.status == RiskStatus.ACKNOWLEDGED
            assert timezone.localdate(risk.acknowledged_at) == phq9.administered_on
    older = Risk.objects.filter(couple__practice=seeded.practice).exclude(
        couple=cases_by_key(seeded.practice)[demo_notes.TODAY_ATTENDED].couple)
    assert older.count() >= 4
    assert all(timezone.localdate(risk.raised_at) < today for risk in older)
    # A note whose risk check repeats an acknowledged PHQ-9 flag is acknowledged with it, not left open for months.
    for risk in Risk.objects.filter(couple__practice=seeded.practice, source=RiskSource.NOTE):
        assert risk.status == RiskStatus.ACKNOWLEDGED


def test_one_partner_recovered_on_the_phq9_and_the_measures_tab_says_so(seeded, login):  # noqa: F811
    case = cases_by_key(seeded.practice)["Amara Okafor"]
    totals = list(MeasureAdministration.objects.filter(couple=case.couple, instrument="phq9", partner="a")
                  .exclude(total=None).order_by("administered_on").values_list("total", flat=True))
    assert len(totals) >= 4 and totals[0] >= 10 > totals[-1] and totals[0] - totals[-1] >= 6
    assert classify_outcome(BUILTIN["phq9"], totals[0], totals[-1], count=len(totals)).kind == RECOVERED
    body = login(case.primary).get(reverse("plans:measure-list", args=[case.couple.pk])).content.decode()
    assert 'outcome-recovered">Recovered</strong>' in body
