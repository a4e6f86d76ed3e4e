"""The couple's Reports page and the progress-report download: two clicks (then the report's page, once a task
worker has made it: here the immediate task backend makes it at once), options, access, audit."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from reports.builders.progress import treatment_to_date
from reports.models import GeneratedReport
from tests.reports import couple_data as data
from tests.reports.pdf_support import pdf_text
from tests.reports.single_helpers import download_link, fetch_pdf


def _download_button(html: str) -> str:
    match = re.search(r'<form method="post" action="([^"]+)"[^>]*>\s*<input type="hidden" name="csrfmiddlewaretoken"'
                      r'[^>]*>\s*<button type="submit">Download progress report \(PDF\)</button>', html)
    assert match, "no download button"
    return match.group(1)


def test_therapist_can_download_a_progress_report_in_two_clicks(cast, login, immediate_tasks):
    client = login(cast.therapist)
    start, end = treatment_to_date(cast.couple)
    data.note(data.session(cast.couple, cast.therapist, start + datetime.timedelta(days=3)),
              content={"assessment": "LASTMONTHASSESSMENT", "plan": "LASTMONTHPLAN", "subjective": "x",
                       "objective": "y"})
    overview = client.get(reverse("clinic:couple-detail", args=[cast.couple.pk])).content.decode()
    reports_url = reverse("reports:couple-reports", args=[cast.couple.pk])
    assert f'href="{reports_url}"' in overview  # click 1: "Reports" on the couple page
    page = client.get(reports_url)
    assert page.status_code == 200
    asked = client.post(_download_button(page.content.decode()))  # click 2
    assert asked.status_code == 303
    report_page = client.get(asked["Location"])
    assert "Ready to download" in report_page.content.decode()
    response = client.get(download_link(report_page.content.decode()))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    expected_name = f"{cast.couple.reference}_progress_{start.isoformat()}_{end.isoformat()}.pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{expected_name}"'
    assert "no-store" in response["Cache-Control"]
    text = pdf_text(response.content)
    assert f"{start:%-d %B %Y} to {end:%-d %B %Y}" in text
    assert "LASTMONTHASSESSMENT" in text and cast.couple.partner_a.client.full_name in text
    asked_event = AuditEvent.objects.filter(action="report.request").get()
    assert asked_event.actor_id == cast.therapist.pk and asked_event.couple_id == cast.couple.pk
    assert asked_event.detail["kind"] == "progress" and asked_event.detail["period_start"] == start.isoformat()
    assert asked_event.detail["include_notes"] is True and asked_event.detail["exclude_partner"] == ""
    event = AuditEvent.objects.filter(action="report.download").get()
    assert event.actor_id == cast.therapist.pk and event.couple_id == cast.couple.pk
    assert event.object_id == asked_event.object_id  # the generated report
    assert event.detail["kind"] == "progress" and event.detail["bytes"] == len(response.content)
    for recorded in (asked_event, event):
        assert cast.couple.partner_a.client.last_name not in str(recorded.detail)


def test_reports_page_offers_the_options_with_their_defaults(cast, login):
    client = login(cast.therapist)
    html = client.get(reverse("reports:couple-reports", args=[cast.couple.pk])).content.decode()
    start, end = treatment_to_date(cast.couple)
    assert f'value="{start.isoformat()}"' in html and f'value="{end.isoformat()}"' in html
    assert re.search(r'name="include_notes"[^>]*checked', html)
    assert 'name="exclude_partner" value="a"' in html and 'name="exclude_partner" value="b"' in html
    assert cast.couple.partner_a.client.full_name in html  # the radio labels name the partners (HTML only)
    assert 'method="post"' in html and 'name="csrfmiddlewaretoken"' in html
    for field in ("id_start", "id_end", "id_include_notes"):
        assert f'for="{field}"' in html
    assert reverse("reports:discharge-pdf", args=[cast.couple.pk]) in html


def test_therapist_can_choose_the_period_and_options(cast, login, immediate_tasks):
    client = login(cast.therapist)
    cast.couple.confidentiality = "no_secrets"
    cast.couple.save()
    data.note(data.session(cast.couple, cast.therapist, datetime.date(2025, 6, 10), kind="individual_a"),
              content={"assessment": "JUNEINDIVIDUALA", "plan": "p"})
    data.note(data.session(cast.couple, cast.therapist, datetime.date(2025, 6, 12)),
              content={"assessment": "JUNEJOINT", "plan": "p"})
    response = fetch_pdf(client, reverse("reports:progress-pdf", args=[cast.couple.pk]),
                         {"start": "2025-06-01", "end": "2025-06-30", "exclude_partner": "a"})
    assert response.status_code == 200
    assert 'filename="' + f'{cast.couple.reference}_progress_2025-06-01_2025-06-30.pdf"' in response[
        "Content-Disposition"]
    text = pdf_text(response.content)
    # The checkbox was left unticked: sections are left out; partner A's individual session entirely.
    assert "JUNEJOINT" not in text and "12 June 2025 · Joint session" in text
    assert "JUNEINDIVIDUALA" not in text and "10 June 2025" not in text
    event = AuditEvent.objects.filter(action="report.request").get()
    assert event.detail["include_notes"] is False and event.detail["exclude_partner"] == "a"


@pytest.mark.parametrize(("params", "message"), [
    ({"start": "2026-02-10", "end": "2026-02-01", "include_notes": "on"},
     "The last day must be on or after the first day."),
    ({"start": "", "end": "2026-02-01"}, "Enter the first day of the period."),
    ({"start": "2026-02-31", "end": "2026-03-01"}, "Enter the first day as a date"),
    ({"start": "2019-01-01", "end": "2026-02-01"},
     "Choose a period of three years or less, or one within the treatment."),
    ({"start": "2026-01-01", "end": "2026-02-01", "exclude_partner": "c"},
     '<a href="#id_exclude_partner_0">Individual sessions: Choose one of the three options.'),
])
def test_invalid_options_show_the_form_again_with_what_to_fix(cast, login, params, message):
    client = login(cast.therapist)
    response = client.post(reverse("reports:progress-pdf", args=[cast.couple.pk]), params)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error-summary"' in html and message in html
    assert f'value="{params["end"]}"' in html  # the form is kept
    assert not AuditEvent.objects.filter(action__in=["report.request", "report.download"]).exists()
    assert not GeneratedReport.objects.exists()


def test_supervisor_and_co_therapist_can_download(cast, login, client, immediate_tasks):
    for user in (cast.supervisor, cast.co_therapist):
        login(user)
        response = fetch_pdf(client, reverse("reports:progress-pdf", args=[cast.couple.pk]))
        assert response.status_code == 200, user
        assert response.content.startswith(b"%PDF")
        assert f"by {user.display_name}" in pdf_text(response.content)


@pytest.mark.parametrize("role", ["stranger", "outsider"])
def test_strangers_cannot_download_a_progress_report(cast, login, role):
    client = login(getattr(cast, role))
    response = client.post(reverse("reports:progress-pdf", args=[cast.couple.pk]))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action__in=["report.request", "report.download"]).exists()
    assert not GeneratedReport.objects.exists()
    assert AuditEvent.objects.filter(action="access.denied", object_id=str(cast.couple.pk)).exists()


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_non_clinical_roles_cannot_open_couple_reports(cast, login, role):
    client = login(getattr(cast, role))
    assert client.get(reverse("reports:couple-reports", args=[cast.couple.pk])).status_code == 403
    for name in ("reports:progress-pdf", "reports:discharge-pdf"):
        assert client.post(reverse(name, args=[cast.couple.pk])).status_code == 403
    assert not GeneratedReport.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(cast, client):
    response = client.post(reverse("reports:progress-pdf", args=[cast.couple.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("clinic:login"))


def test_asking_is_post_only(cast, login):
    """Asking queues work, so it is a POST (with the CSRF token); a GET changes nothing."""
    client = login(cast.therapist)
    for name in ("reports:progress-pdf", "reports:discharge-pdf"):
        assert client.get(reverse(name, args=[cast.couple.pk])).status_code == 405
    assert not GeneratedReport.objects.exists()


def test_default_report_is_treatment_to_date_with_first_and_latest_scores_and_the_full_table_is_an_option(
        cast, login, immediate_tasks):
    client = login(cast.therapist)
    start, end = treatment_to_date(cast.couple)
    assert start == cast.couple.start_date and end == datetime.date.today()
    for day, total in ((start, 16), (end, 9)):
        data.administer(cast.couple, cast.therapist, "phq9", "a", total, day)
    url = reverse("reports:progress-pdf", args=[cast.couple.pk])
    short = pdf_text(fetch_pdf(client, url).content)
    assert f"{start:%-d %B %Y} to {end:%-d %B %Y}" in short
    assert "PHQ-9: first and latest score of each partner" in short and "PHQ-9 scores by date" not in short
    params = {"start": start.isoformat(), "end": end.isoformat(), "include_notes": "on", "full_scores": "on",
              "audience": "clinical", "exclude_partner": ""}
    full = pdf_text(fetch_pdf(client, url, params).content)
    assert "PHQ-9 scores by date" in full
    event = AuditEvent.objects.filter(action="report.request").order_by("-id").first()
    assert event.detail["full_scores"] is True
    html = client.get(reverse("reports:couple-reports", args=[cast.couple.pk])).content.decode()
    assert 'name="full_scores"' in html and 'for="id_full_scores"' in html
    summary = pdf_text(fetch_pdf(client, reverse("reports:discharge-pdf", args=[cast.couple.pk]),
                                 {"full_scores": "on"}).content)
    assert "PHQ-9 scores by date" in summary
