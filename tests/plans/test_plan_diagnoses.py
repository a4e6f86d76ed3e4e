"""Diagnoses on the treatment plan (ICD-10-CM, plans.diagnoses): per partner and for the relationship, edited
on drafts only, copied into revisions, shown on the plan page, in the API and in the couple progress report,
encrypted at rest, never shown to the practice manager."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from plans import diagnoses
from plans.models import TreatmentPlan
from plans.services import plans as plan_services
from reports.rendering.couple import discharge_summary_pdf, progress_report_pdf
from tests.plans.plan_factories import make_plan
from tests.reports import couple_data as data
from tests.reports.pdf_support import pdf_text

pytestmark = pytest.mark.django_db

CODES = {"a": ["F41.1", "F43.22"], "b": ["F33.1"], "relationship": ["Z63.0"]}


def edit_url(plan) -> str:
    return reverse("plans:plan-edit", args=[plan.pk])


def post_data(plan, **codes) -> dict:
    return {"formulation": "", "review_due": "", "version": plan.version,
            **{f"diagnoses_{scope}": values for scope, values in codes.items()}}


def test_clean_accepts_the_curated_codes_only_and_orders_them():
    assert diagnoses.clean({"a": ["f43.22", "F41.1", "F41.1"], "relationship": ["Z63.0"]}) == {
        "a": ["F41.1", "F43.22"], "b": [], "relationship": ["Z63.0"]}
    with pytest.raises(ValidationError) as error:
        diagnoses.clean({"a": ["F99"], "relationship": ["F41.1"]})
    assert error.value.message_dict == {
        "diagnoses_a": ["Partner A: choose a code from the list (1 not recognised)."],
        "diagnoses_relationship": ["The relationship: choose Z63.0 or Z63.5 (1 not recognised)."],
    }
    with pytest.raises(ValidationError):
        diagnoses.clean({"c": ["F41.1"]})
    with pytest.raises(ValidationError):
        diagnoses.clean({"a": "F41.1"})
    assert diagnoses.title("Z63.0") == "Problems in relationship with spouse or partner"


def test_service_records_diagnoses_encrypted_audits_without_codes_and_copies_them_into_a_revision(cast):
    plan = make_plan(cast.couple, by=cast.therapist, status="active")
    plan.diagnoses = diagnoses.clean(CODES)
    plan.save()
    revision = plan_services.plan_start(couple=cast.couple, by=cast.therapist)
    assert revision.diagnoses == CODES
    plan_services.plan_update(plan=revision, by=cast.therapist, base_version=revision.version,
                              diagnoses={"a": ["F41.1"], "relationship": ["Z63.0"]})
    revision = TreatmentPlan.objects.get(pk=revision.pk)
    assert revision.diagnoses == {"a": ["F41.1"], "b": [], "relationship": ["Z63.0"]}
    event = AuditEvent.objects.filter(action="plan.update", object_id=str(revision.pk)).get()
    assert event.detail["fields"] == ["diagnoses"] and "F41.1" not in str(event.detail)
    raw = TreatmentPlan.objects.filter(pk=revision.pk).values_list("diagnoses", flat=True).get().blob
    assert b"F41.1" not in raw and b"Z63" not in raw
    # The active plan is locked: diagnoses change only through a revision.
    with pytest.raises(plan_services.PlanLocked):
        plan_services.plan_update(plan=plan, by=cast.therapist, base_version=plan.version, diagnoses=CODES)


def test_draft_page_edits_and_shows_diagnoses(cast, login):
    plan = make_plan(cast.couple, by=cast.therapist)
    client = login(cast.therapist)
    form = client.get(edit_url(plan)).content.decode()
    assert "Diagnoses (ICD-10-CM)" in form and "F41.1 Generalized anxiety disorder" in form
    response = client.post(edit_url(plan), post_data(plan, **CODES))
    assert response.status_code == 302
    page = client.get(reverse("plans:plan-detail", args=[cast.couple.pk])).content.decode()
    assert "<strong>F41.1</strong> Generalized anxiety disorder" in page
    assert "<strong>Z63.0</strong> Problems in relationship with spouse or partner" in page
    assert 'value="F41.1"' in client.get(edit_url(plan)).content.decode()


def test_an_unknown_or_misplaced_code_is_a_clear_400_on_the_page(cast, login):
    plan = make_plan(cast.couple, by=cast.therapist)
    response = login(cast.therapist).post(edit_url(plan), post_data(plan, a=["F99.9"], relationship=["F41.1"]))
    html = response.content.decode()
    assert response.status_code == 400
    assert "Partner A: choose codes from the list." in html
    assert "The relationship: choose Z63.0 or Z63.5." in html
    assert TreatmentPlan.objects.get(pk=plan.pk).diagnoses is None


def test_signed_plan_diagnoses_cannot_be_edited_and_the_manager_never_sees_them(cast, login):
    plan = make_plan(cast.couple, by=cast.therapist, status="active")
    plan.diagnoses = diagnoses.clean(CODES)
    plan.save()
    response = login(cast.therapist).post(edit_url(plan), post_data(plan, a=["F32.0"]))
    assert response.status_code == 409
    assert TreatmentPlan.objects.get(pk=plan.pk).diagnoses == CODES
    manager = login(cast.manager)
    assert manager.get(reverse("plans:plan-detail", args=[cast.couple.pk])).status_code == 403
    assert manager.get(reverse("treatment-plan-detail", args=[plan.pk])).status_code in (403, 404)


def test_api_reads_and_writes_diagnoses(cast, login):
    plan = make_plan(cast.couple, by=cast.therapist)
    api = login(cast.therapist)
    url = reverse("treatment-plan-detail", args=[plan.pk])
    assert api.get(url).json()["diagnoses"] == {"a": [], "b": [], "relationship": []}
    response = api.patch(url, {"version": plan.version, "diagnoses": CODES}, content_type="application/json")
    assert response.status_code == 200, response.json()
    assert response.json()["diagnoses"] == CODES
    bad = api.patch(url, {"version": plan.version + 1, "diagnoses": {"relationship": ["F41.1"]}},
                    content_type="application/json")
    assert bad.status_code == 400
    assert "Z63.0" in str(bad.json()["error"])


def test_progress_report_shows_the_plans_diagnoses(cast):
    plan = data.plan(cast.couple, cast.therapist, signed=datetime.date(2025, 10, 1))
    plan.diagnoses = diagnoses.clean(CODES)
    plan.save()
    text = pdf_text(progress_report_pdf(couple=cast.couple, user=cast.therapist,
                                        period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 1, 31)))
    assert "Diagnoses (ICD-10-CM)" in text
    assert "F41.1" in text and "Generalized anxiety disorder" in text
    assert "Z63.0" in text and "Problems in relationship with spouse or partner" in text


def test_the_couples_copy_of_the_report_leaves_the_diagnoses_out(cast):
    cast.couple.confidentiality = "no_secrets"
    cast.couple.save()
    plan = data.plan(cast.couple, cast.therapist, signed=datetime.date(2025, 10, 1))
    plan.diagnoses = diagnoses.clean(CODES)
    plan.save()
    text = pdf_text(progress_report_pdf(couple=cast.couple, user=cast.therapist, audience="couple",
                                        period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 1, 31)))
    assert "F41.1" not in text and "Diagnoses (ICD-10-CM)" not in text


def test_discharge_summary_shows_the_latest_plans_diagnoses(cast):
    plan = data.plan(cast.couple, cast.therapist, signed=datetime.date(2025, 10, 1))
    plan.diagnoses = diagnoses.clean({"b": ["F43.23"], "relationship": ["Z63.0"]})
    plan.save()
    text = pdf_text(discharge_summary_pdf(couple=cast.couple, user=cast.therapist))
    assert "Diagnoses (ICD-10-CM), plan version 1" in text
    assert "F43.23" in text and "Z63.0" in text
