"""Clinical safety in a browser (issue 11, "Done when"): a therapist records a PHQ-9 whose item 9 is above 0 and
finds the risk on Today, on the couple overview's banner and in the progress-report PDF; once it is past the
practice's acknowledgement window (the clock moved on with time-machine) the supervisor of the associate finds it
in the supervision queue. And a joint session is refused after a positive IPV screen (HITS) until the override is
documented, then accepted.

Screenshots: /tmp/e2e-safety-*.png (1024 px and 768 px wide); the PDF at /tmp/e2e-safety-progress.pdf.
"""

from __future__ import annotations

import datetime
import io
import re
from types import SimpleNamespace

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from clinic.models import IPVResult, Risk, RiskKind, RiskStatus
from clinic.services.couples import partner_update
from notes.models import Session, SessionKind
from plans.models import MeasureAdministration
from tests.e2e.conftest import browser, page  # noqa: F401  (the browser fixtures of tests/e2e)
from tests.e2e.test_plan_and_measures import answer, screenshots, sign_in_to_the_demo
from tests.factories import TEST_PASSWORD, CoupleFactory, PracticeFactory, UserFactory, totp_device_for

PDF_PATH = "/tmp/e2e-safety-progress.pdf"
# PHQ-9 answers, items 1-8 then item 9 ("Thoughts that you would be better off dead or of hurting yourself").
PHQ9 = ("Several days (1)", "More than half the days (2)", "Several days (1)", "More than half the days (2)",
        "Not at all (0)", "Several days (1)", "Not at all (0)", "Not at all (0)", "Several days (1)")


@pytest.fixture
def practice(transactional_db):
    """An associate (pre-licensed therapist) and their supervisor; a couple of the associate's, in care since
    2020, with nothing recorded yet."""
    place = PracticeFactory()
    supervisor = UserFactory(practice=place, role="supervisor", username="helen.supervisor")
    associate = UserFactory(practice=place, role="therapist", username="priya.associate", supervisor=supervisor)
    couple = CoupleFactory(practice=place, primary=associate)
    return SimpleNamespace(practice=place, supervisor=supervisor, associate=associate, couple=couple)


def sign_in(page, user) -> None:  # noqa: F811
    """The test password, then a current code of the user's authenticator app (enrolled beforehand)."""
    sign_in_to_the_demo(page, user, totp_device_for(user), password=TEST_PASSWORD)


@pytest.mark.e2e
def test_a_phq9_item_9_risk_shows_on_today_the_overview_the_pdf_and_once_overdue_the_supervisors_queue(
        page, browser, live_server, practice):  # noqa: F811
    from playwright.sync_api import expect

    couple, associate = practice.couple, practice.associate
    sign_in(page, associate)

    # The associate records partner B's PHQ-9 with item 9 "several days".
    page.goto(reverse("plans:measure-list", args=[couple.pk]))
    page.get_by_role("link", name="Record a measure").first.click()
    page.get_by_label(re.compile("Instrument")).select_option("phq9")
    page.get_by_label(re.compile("Partner")).select_option("b")
    page.get_by_role("button", name="Continue").click()
    for item, label in enumerate(PHQ9, start=1):
        answer(page, item, label)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text(re.compile(r"PHQ-9 for Partner B on .* recorded: 8"))).to_be_visible()
    phq9 = MeasureAdministration.objects.get(couple=couple, instrument="phq9")
    assert phq9.answers[8] == 1 and phq9.risk_flag
    risk = Risk.objects.get(couple=couple, kind=RiskKind.SUICIDE, source_id=phq9.pk)
    assert risk.status == RiskStatus.OPEN and risk.partner == "b"

    # Today: at the top, "Risks to act on", with the couple, the kind and whose.
    page.goto(reverse("notes:therapist-home"))
    risks = page.locator("section", has=page.get_by_role("heading", name=re.compile("Risks to act on")))
    expect(risks).to_contain_text(couple.reference)
    expect(risks).to_contain_text("Suicide or self-harm")
    expect(risks).to_contain_text("Partner B")
    expect(risks).to_contain_text("Open")
    screenshots(page, "safety-today")

    # The couple overview: the banner above everything else.
    page.goto(reverse("clinic:couple-detail", args=[couple.pk]))
    banner = page.get_by_role("alert").filter(has=page.get_by_role("heading", name=re.compile("Risk register")))
    expect(banner).to_contain_text("1 unresolved")
    expect(banner).to_contain_text("Suicide or self-harm")
    expect(banner).to_contain_text("Outcome measure")
    screenshots(page, "safety-overview")

    # The progress report (PDF) from the couple's Reports page: the risk register section names it.
    page.get_by_role("link", name="Reports", exact=True).click()
    page.get_by_role("button", name="Download progress report (PDF)").click()
    call_command("db_worker", "--queue-name", "pdf", "--batch", "--no-startup-delay", "--no-reload", "--verbosity", "0")
    with page.expect_download(timeout=60_000) as download_info:
        page.get_by_role("link", name="Download couple progress report (PDF)").click(timeout=15_000)
    download_info.value.save_as(PDF_PATH)
    with open(PDF_PATH, "rb") as pdf:
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.read())).pages)
    text = re.sub(r"-\s+", "-", re.sub(r"\s+", " ", text))  # words broken across table-cell lines
    register = text.split("Risk register: unresolved concerns", 1)[1].split("Attendance in this period", 1)[0]
    for words in ("Suicide or self-harm", "Partner B", "Outcome measure", "Open", "item 9 answered 1"):
        assert words in register, (words, register)

    # Not yet overdue, so not in the supervisor's queue; 25 hours later (the practice's window is 24) it is.
    assert practice.practice.risk_acknowledge_hours == 24
    supervisor_context = browser.new_context(base_url=live_server.url, viewport={"width": 1024, "height": 768},
                                             locale="en-GB", timezone_id="Europe/London")
    supervisor_page = supervisor_context.new_page()
    try:
        sign_in(supervisor_page, practice.supervisor)
        supervisor_page.goto(reverse("notes:review-queue"))
        expect(supervisor_page.get_by_role("heading", name=re.compile("Awaiting your co-signature"))).to_be_visible()
        overdue_heading = re.compile("Risks not acknowledged in time")
        expect(supervisor_page.get_by_role("heading", name=overdue_heading)).to_have_count(0)
        with time_machine.travel(timezone.now() + datetime.timedelta(hours=25), tick=True):
            # A day later the sessions have expired: both sign in again (the live server shares the clock).
            sign_in(supervisor_page, practice.supervisor)
            supervisor_page.goto(reverse("notes:review-queue"))
            queue = supervisor_page.locator("section", has=supervisor_page.get_by_role(
                "heading", name=overdue_heading))
            expect(queue).to_contain_text(couple.reference)
            expect(queue).to_contain_text("Suicide or self-harm, Partner B")
            screenshots(supervisor_page, "safety-supervisor-queue")
            # Still open, and now overdue on the associate's Today too.
            sign_in(page, associate)
            page.goto(reverse("notes:therapist-home"))
            expect(page.locator("section", has=page.get_by_role("heading", name=re.compile("Risks to act on")))
                   ).to_contain_text("Open, overdue")
    finally:
        supervisor_context.close()


@pytest.mark.e2e
def test_a_joint_session_is_refused_after_a_positive_ipv_screen_until_the_override_is_documented(
        page, practice):  # noqa: F811
    from playwright.sync_api import expect

    couple, associate = practice.couple, practice.associate
    # Partner A was screened at intake: HITS 5, no concern.
    partner_a = couple.partners.get(position="a")
    partner_update(partner=partner_a, by=associate, hits_answers=[1, 2, 1, 1], ipv_result=IPVResult.NO_CONCERN,
                   ipv_screened_on=timezone.localdate() - datetime.timedelta(days=1))
    sign_in(page, associate)

    # Partner B's screen, asked alone: HITS 4 + 3 + 2 + 4 = 13, above 10, positive.
    page.goto(reverse("clinic:partner-edit", args=[couple.pk, "b"]))
    for question, value in (("physically hurt you", "4"), ("insult or talk down to you", "3"),
                            ("threaten you with harm", "2"), ("scream or curse at you", "4")):
        page.get_by_label(re.compile(f"How often does your partner {question}")).select_option(value)
    page.get_by_label("Clinician's judgement").select_option(IPVResult.CONCERN)
    page.get_by_label("Date of the IPV screen").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(re.escape(reverse("clinic:couple-detail", args=[couple.pk]))))
    expect(page.get_by_role("heading", name="IPV gate: joint sessions on hold")).to_be_visible()
    screenshots(page, "safety-ipv-gate")

    # A joint session is refused, with the reason on the page and the form kept.
    page.goto(reverse("notes:session-create", args=[couple.pk]))
    # The form offers an individual session while the gate is closed; the therapist asks for a joint one.
    expect(page.get_by_label(re.compile("^Kind of session"))).to_have_value(SessionKind.INDIVIDUAL_A)
    page.get_by_label(re.compile("^Kind of session")).select_option(SessionKind.JOINT)
    page.get_by_role("button", name="Record the session").click()
    expect(page.get_by_text(re.compile("Sessions with both partners together are on hold")).first).to_be_visible()
    expect(page.get_by_label(re.compile("^Kind of session"))).to_have_value(SessionKind.JOINT)
    screenshots(page, "safety-joint-refused")
    assert not Session.objects.filter(couple=couple).exists()

    # The override, documented on the couple's page.
    page.goto(reverse("clinic:couple-detail", args=[couple.pk]))
    page.get_by_role("link", name="Document an override").click()
    page.get_by_label("Why joint sessions may go on").fill(
        "Each partner assessed alone: verbal aggression in arguments, no fear or coercive control; safety plan "
        "in place; joint work stops if anything changes.")
    page.get_by_role("button", name="Document the override").click()
    expect(page.get_by_role("heading", name="IPV gate: override documented")).to_be_visible()

    # Now the same joint session is accepted.
    page.goto(reverse("notes:session-create", args=[couple.pk]))
    expect(page.get_by_label(re.compile("^Kind of session"))).to_have_value(SessionKind.JOINT)
    page.get_by_role("button", name="Record the session").click()
    page.wait_for_url(re.compile(r"/sessions/[0-9a-f-]+/note/$"))
    session = Session.objects.get(couple=couple)
    assert session.kind == SessionKind.JOINT
    couple.refresh_from_db()
    assert couple.ipv_override_at is not None and couple.ipv_override_by == associate
