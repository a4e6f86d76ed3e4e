"""Who a couple progress report is for: the clinical record / a supervisor, or the couple themselves.

For the couple: never note content (joint or individual), psychotherapy notes or IPV screen data; relationship
measures for both partners; a partner's individual measures (PHQ-9, GAD-7) only with that partner's recorded
consent, and none at all while the couple has no confidentiality agreement. Tested under each agreement, with
real PDFs read back.
"""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from clinic.models import Confidentiality, Partner
from clinic.services.couples import partner_update
from keys import keyring
from plans.instruments import BUILTIN, INDIVIDUAL, RELATIONSHIP, validate_definition
from reports.builders.progress import ProgressOptions, build_progress_report
from reports.rendering.couple import progress_report_pdf, report_file_name
from tests.factories import CoupleFactory
from tests.plans import measure_factories
from tests.reports import couple_data as data
from tests.reports.pdf_support import pdf_text
from tests.reports.single_helpers import fetch_pdf
from tests.reports.test_progress_report import JAN_END, JAN_START, january

pytestmark = pytest.mark.django_db

AGREEMENTS = [Confidentiality.NO_SECRETS, Confidentiality.LIMITED_SECRETS, Confidentiality.NOT_RECORDED]
NEVER_FOR_COUPLE = (
    "INDIVIDUALATEXT", "INDIVIDUALAPLAN", "INDIVIDUALBTEXT", "INDIVIDUALBPLAN", "PSYCHOTHERAPYTEXT", "SOAPASSESSMENT",
    "SOAPPLAN", "ADDENDUMTEXT", "BIRPRESPONSE", "DAPASSESSMENT", "IPVSECRETNOTES", "Concern", "IPV screen",
)
CONSENT_DAY, SCREEN_DAY = datetime.date(2025, 9, 30), datetime.date(2025, 9, 1)


def history(cast, confidentiality: str):
    """`january` (notes of every kind, PHQ-9 for both partners) plus CSI-16 for both, an IPV concern recorded
    for partner B with notes, and partner A's consent to share individual measures (partner B gives none)."""
    couple = january(cast.couple, cast.therapist, cast.co_therapist, confidentiality=confidentiality)
    for partner, first, latest in (("a", 40, 55), ("b", 35, 45)):
        data.administer(couple, cast.therapist, "csi16", partner, first, datetime.date(2025, 10, 1))
        data.administer(couple, cast.therapist, "csi16", partner, latest, datetime.date(2026, 1, 15))
    partner_update(partner=couple.partner_a, by=cast.therapist, measures_consent_on=CONSENT_DAY)
    partner_update(partner=couple.partner_b, by=cast.therapist, ipv_result="concern",
                   ipv_screened_on=SCREEN_DAY, ipv_notes="IPVSECRETNOTES fear")
    return couple


def build(couple, user, audience: str):
    return build_progress_report(couple=couple, user=user,
                                 options=ProgressOptions(JAN_START, JAN_END, audience=audience))


def outcomes(report, code: str) -> dict[str, object]:
    block = next((m for m in report.measures if m.code == code), None)
    return {} if block is None else {o.partner: o for o in block.outcomes}


# --- Instruments say what they are about ---------------------------------------------------------


def test_builtin_instruments_are_marked_individual_or_relationship():
    assert {code: BUILTIN[code].about for code in ("phq9", "gad7", "csi4", "csi16")} == {
        "phq9": INDIVIDUAL, "gad7": INDIVIDUAL, "csi4": RELATIONSHIP, "csi16": RELATIONSHIP}
    assert BUILTIN["phq9"].is_individual and not BUILTIN["csi16"].is_individual


def test_a_practice_instrument_counts_as_individual():
    instrument = validate_definition("ps1", measure_factories.definition(), reserved_codes=frozenset(BUILTIN))
    assert instrument.about == INDIVIDUAL and instrument.is_individual


# --- What each audience sees, under each agreement -----------------------------------------------


@pytest.mark.parametrize("agreement", AGREEMENTS)
def test_clinical_audience_sees_every_measure_and_the_notes(cast, agreement):
    couple = history(cast, agreement)
    report = build(couple, cast.therapist, "clinical")
    assert report.meta.audience == "For the clinical record or a supervisor"
    phq9 = outcomes(report, "phq9")
    assert phq9["Partner A"].latest == 8 and phq9["Partner B"].latest == 10
    assert not phq9["Partner B"].withheld
    assert any(note.sections for note in report.notes)


@pytest.mark.parametrize("agreement", [Confidentiality.NO_SECRETS, Confidentiality.LIMITED_SECRETS])
def test_couple_audience_shows_individual_measures_only_with_consent(cast, agreement):
    couple = history(cast, agreement)
    report = build(couple, cast.therapist, "couple")
    assert report.meta.audience == "For the couple"
    assert report.notes == ()
    phq9 = outcomes(report, "phq9")
    assert phq9["Partner A"].latest == 8 and not phq9["Partner A"].withheld  # A consented
    assert phq9["Partner B"].latest is None and phq9["Partner B"].scores == 0  # B did not
    assert "no consent recorded" in phq9["Partner B"].withheld
    block = next(m for m in report.measures if m.code == "phq9")
    assert all(row.b_total is None for row in block.rows) and any(row.a_total for row in block.rows)
    csi = outcomes(report, "csi16")  # relationship measure: both partners, no consent needed
    assert csi["Partner A"].latest == 55 and csi["Partner B"].latest == 45
    assert "Partner B's own measures (such as the PHQ-9 and GAD-7) are not shown" in " ".join(report.scope)


def test_couple_audience_without_an_agreement_shows_no_individual_measure(cast):
    couple = history(cast, Confidentiality.NOT_RECORDED)
    partner_update(partner=couple.partner_b, by=cast.therapist, measures_consent_on=CONSENT_DAY,
                   ipv_screened_on=SCREEN_DAY)  # both consent
    report = build(couple, cast.therapist, "couple")
    assert [m.code for m in report.measures] == ["csi16"]
    assert report.notes == ()
    assert "not agreed the confidentiality terms yet" in " ".join(report.scope)


def test_couple_audience_with_both_consents_shows_both_partners(cast):
    couple = history(cast, Confidentiality.LIMITED_SECRETS)
    partner_update(partner=couple.partner_b, by=cast.therapist, measures_consent_on=CONSENT_DAY,
                   ipv_screened_on=SCREEN_DAY)
    phq9 = outcomes(build(couple, cast.therapist, "couple"), "phq9")
    assert phq9["Partner A"].latest == 8 and phq9["Partner B"].latest == 10


@pytest.mark.parametrize("agreement", AGREEMENTS)
def test_couple_pdf_holds_no_notes_ipv_or_unconsented_scores(cast, agreement):
    couple = history(cast, agreement)
    text = pdf_text(progress_report_pdf(couple=couple, user=cast.therapist, period_start=JAN_START,
                                        period_end=JAN_END, audience="couple"))
    assert "For the couple" in text  # on the cover
    assert "Couples Satisfaction Index" in text or "CSI-16" in text
    for hidden in NEVER_FOR_COUPLE:
        assert hidden not in text, hidden
    assert "Session notes stay in the clinical record" in text
    if agreement == Confidentiality.NOT_RECORDED:
        assert "PHQ-9: first and latest score" not in text
        assert "not agreed the confidentiality terms yet" in text
    else:
        assert "PHQ-9: first and latest score" in text  # partner A's, with consent
        assert "Not shared in reports for the couple: no consent recorded." in text  # partner B's row


def test_clinical_pdf_says_its_audience_and_keeps_the_notes(cast):
    couple = history(cast, Confidentiality.NO_SECRETS)
    text = pdf_text(progress_report_pdf(couple=couple, user=cast.therapist, period_start=JAN_START,
                                        period_end=JAN_END))
    assert "For the clinical record or a supervisor" in text
    assert "SOAPASSESSMENT" in text and "INDIVIDUALBTEXT" in text  # no secrets: for the care team
    assert "IPVSECRETNOTES" not in text and "PSYCHOTHERAPYTEXT" not in text


def test_unknown_audience_is_refused(cast):
    with pytest.raises(ValueError, match="audience"):
        progress_report_pdf(couple=cast.couple, user=cast.therapist, period_start=JAN_START, period_end=JAN_END,
                            audience="everyone")


def test_file_name_says_the_couple_copy(cast):
    assert report_file_name(cast.couple, "progress", JAN_START, JAN_END, "couple") == (
        f"{cast.couple.reference}_progress-for-couple_2026-01-01_2026-01-31.pdf")
    assert report_file_name(cast.couple, "progress", JAN_START, JAN_END) == (
        f"{cast.couple.reference}_progress_2026-01-01_2026-01-31.pdf")


# --- The options page and the download ------------------------------------------------------------


def test_options_page_offers_the_audience(cast, login):
    html = login(cast.therapist).get(reverse("reports:couple-reports", args=[cast.couple.pk])).content.decode()
    assert 'name="audience" value="clinical"' in html and 'name="audience" value="couple"' in html
    assert "Who the report is for" in html
    assert "Partner A: no individual measures in reports for the couple until the confidentiality terms" in html


def test_options_page_says_whose_consent_is_recorded(cast, login):
    history(cast, Confidentiality.NO_SECRETS)
    html = login(cast.therapist).get(reverse("reports:couple-reports", args=[cast.couple.pk])).content.decode()
    assert "Partner A: consented on 30 September 2025" in html
    assert "Partner B: no consent to share individual measures" in html


def test_download_for_the_couple_is_named_and_audited(cast, login, immediate_tasks):
    history(cast, Confidentiality.LIMITED_SECRETS)
    response = fetch_pdf(login(cast.therapist), reverse("reports:progress-pdf", args=[cast.couple.pk]), {
        "start": JAN_START.isoformat(), "end": JAN_END.isoformat(), "include_notes": "on", "audience": "couple"})
    assert response.status_code == 200
    assert "_progress-for-couple_2026-01-01_2026-01-31.pdf" in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert "For the couple" in text and "SOAPASSESSMENT" not in text
    event = AuditEvent.objects.filter(action="report.request").get()
    assert event.detail["audience"] == "couple"
    assert AuditEvent.objects.filter(action="report.download", object_id=event.object_id).exists()


def test_download_with_an_unknown_audience_is_a_400_with_a_message(cast, login):
    response = login(cast.therapist).post(reverse("reports:progress-pdf", args=[cast.couple.pk]), {
        "start": JAN_START.isoformat(), "end": JAN_END.isoformat(), "audience": "everyone"})
    assert response.status_code == 400
    assert "Choose who the report is for" in response.content.decode()
    assert not AuditEvent.objects.filter(action__in=["report.request", "report.download"]).exists()


# --- Recording the consent --------------------------------------------------------------------------


def test_partner_page_records_and_withdraws_the_consent(cast, login):
    client = login(cast.therapist)
    url = reverse("clinic:partner-edit", args=[cast.couple.pk, "b"])
    assert "Consents to share individual measures" in client.get(url).content.decode()
    response = client.post(url, {"ipv_result": "not_done", "measures_consent_on": "2026-01-05"})
    assert response.status_code == 302
    assert Partner.objects.get(couple=cast.couple, position="b").measures_consent_on == datetime.date(2026, 1, 5)
    event = AuditEvent.objects.filter(action="partner.update").latest("id")
    assert "measures_consent_on" in event.detail["fields"]
    assert client.post(url, {"ipv_result": "not_done", "measures_consent_on": ""}).status_code == 302
    assert Partner.objects.get(couple=cast.couple, position="b").measures_consent_on is None


def test_partner_page_refuses_a_future_consent_date(cast, login):
    url = reverse("clinic:partner-edit", args=[cast.couple.pk, "a"])
    future = (datetime.date.today() + datetime.timedelta(days=3)).isoformat()
    response = login(cast.therapist).post(url, {"ipv_result": "not_done", "measures_consent_on": future})
    assert response.status_code == 200
    assert "The consent date cannot be in the future." in response.content.decode()
    assert Partner.objects.get(couple=cast.couple, position="a").measures_consent_on is None


def test_api_sets_keeps_and_withdraws_the_consent(cast, login):
    api = login(cast.therapist)
    url = reverse("couple-partner-detail", kwargs={"couple_pk": cast.couple.pk, "position": "a"})

    def patch(body):
        return api.patch(url, data=json.dumps(body), content_type="application/json")

    response = patch({"measures_consent_on": "2026-01-05"})
    assert response.status_code == 200 and response.json()["measures_consent_on"] == "2026-01-05"
    assert patch({"agreed_confidentiality_on": "2026-01-04"}).json()["measures_consent_on"] == "2026-01-05"
    assert patch({"measures_consent_on": None}).json()["measures_consent_on"] is None
    future = (datetime.date.today() + datetime.timedelta(days=3)).isoformat()
    refused = patch({"measures_consent_on": future})
    assert refused.status_code == 400 and "future" in refused.content.decode()


# --- Query count ------------------------------------------------------------------------------------


def _couple_report_queries(couple, user) -> int:
    keyring.clear_cache()
    with CaptureQueriesContext(connection) as queries:
        report = build_progress_report(couple=couple, user=user, options=ProgressOptions(
            datetime.date(2025, 2, 1), datetime.date(2026, 1, 31), audience="couple"))
    assert report.measures and report.plan and not report.notes
    return len(queries)


@pytest.mark.django_db(transaction=True)  # committed data keys are cached, as on a running server
def test_couple_report_query_count_does_not_grow_with_data(cast):
    counts = []
    for sessions in (5, 50):
        couple = CoupleFactory(practice=cast.practice, primary=cast.therapist, confidentiality="limited_secrets")
        data.one_year(couple, cast.therapist, start=datetime.date(2025, 2, 3), sessions=sessions,
                      administrations=max(sessions // 4, 1), goals=1 if sessions < 10 else 3,
                      objectives=1 if sessions < 10 else 3)
        counts.append(_couple_report_queries(couple, cast.therapist))
    assert counts[0] == counts[1], counts
