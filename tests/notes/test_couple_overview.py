"""The couple overview (clinic:couple-detail) says what matters: next and last session with the note's status,
open risks, the plan's status and review, each partner's latest scores with a sparkline, homework and new client
entries, and one list of what is outstanding. Case administration has its own page. Managers see neither."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clinic.models import Risk, RiskKind, RiskSource
from clinic.services.risks import risk_acknowledge, risk_close, risk_raise
from keys import keyring
from notes.models import NoteStatus
from plans import charts
from plans.instruments import BUILTIN
from plans.models import CheckingLogEntry, EntrySource, Homework, MeasureAdministration, PlanStatus
from plans.services.measures import measure_record
from tests.clinic.safety_data import NEGATIVE_SCREEN
from tests.notes.note_factories import NoteFactory, SessionFactory, screen_partners, signed_note
from tests.plans.measure_factories import administration, plan

pytestmark = pytest.mark.django_db


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def overview(client, couple) -> str:
    response = client.get(reverse("clinic:couple-detail", args=[couple.pk]))
    assert response.status_code == 200
    return response.content.decode()


def populate(cast, *, sessions: int = 2, scores: int = 2, entries: int = 1) -> dict:
    """A couple with history: `sessions` past attended sessions with signed notes, the last one with a draft,
    a booked session, PHQ-9 scores for both partners, homework, client entries and an open risk."""
    couple, therapist = cast.couple, cast.therapist
    for n in range(sessions):
        signed_note(session=SessionFactory(couple=couple, therapist=therapist, starts_at=at(days_ago(60 - n))),
                    status=NoteStatus.FINAL)
    last = SessionFactory(couple=couple, therapist=therapist, starts_at=at(days_ago(2)))
    draft = NoteFactory(session=last)
    upcoming = SessionFactory(couple=couple, therapist=therapist, starts_at=at(days_ago(-3), 15),
                              attendance="scheduled")
    for n in range(scores):
        administration(couple, therapist, instrument="phq9", partner="a", total=max(20 - 3 * n, 2), on=days_ago(50 - n))
        administration(couple, therapist, instrument="phq9", partner="b", total=8, on=days_ago(50 - n))
    active = plan(couple, therapist, status=PlanStatus.ACTIVE, gad7="month")
    active.review_due = days_ago(5)
    active.save()
    Homework.objects.create(couple=couple, partner="both", assigned_on=days_ago(2), due_on=days_ago(-5),
                            description="Speaker-listener practice twice", created_by=therapist)
    for n in range(entries):
        CheckingLogEntry.objects.create(couple=couple, partner="a", occurred_on=days_ago(1), resisted=True,
                                        source=EntrySource.CLIENT, trigger=f"Phone face down {n}")
    risk = risk_raise(couple=couple, kind=RiskKind.SUICIDE, source=RiskSource.NOTE, partner="b", by=therapist,
                      detail="Passive thoughts last week")
    return {"last": last, "draft": draft, "upcoming": upcoming, "plan": active, "risk": risk}


def test_therapist_sees_next_and_last_session_with_the_note_status_and_a_link_to_it(cast, login):
    data = populate(cast)
    html = overview(login(cast.therapist), cast.couple)
    upcoming = timezone.localtime(data["upcoming"].starts_at)
    assert f"{upcoming:%-d %B %Y}, 15:00" in html.split("Last session")[0]
    last_part = html.split("Last session")[1].split("All sessions and notes")[0]
    assert f"{timezone.localtime(data['last'].starts_at):%-d %B %Y}" in last_part
    assert "Draft" in last_part
    assert reverse("notes:note-edit", args=[data["last"].pk]) in last_part  # continue the draft


def test_a_last_session_without_a_note_says_so_and_offers_to_write_it(cast, login):
    session = SessionFactory(couple=cast.couple, therapist=cast.therapist, starts_at=at(days_ago(1)))
    html = overview(login(cast.therapist), cast.couple)
    last_part = html.split("Last session")[1]
    assert "No note yet" in last_part and reverse("notes:note-edit", args=[session.pk]) in last_part
    assert "None booked." in html


def test_a_missed_last_session_needs_no_note(cast, login):
    SessionFactory(couple=cast.couple, therapist=cast.therapist, starts_at=at(days_ago(1)), attendance="no_show")
    last_part = overview(login(cast.therapist), cast.couple).split("Last session")[1].split("</p>\n")[1]
    assert "None needed (no-show)" in last_part and "No note yet" not in last_part


def test_a_signed_last_note_links_to_the_note_and_awaiting_co_signature_is_named(cast, login):
    note = signed_note(session=SessionFactory(couple=cast.couple, therapist=cast.therapist, starts_at=at(days_ago(1))))
    assert note.status == NoteStatus.AWAITING_COSIGN  # the therapist is supervised
    html = overview(login(cast.supervisor), cast.couple)
    last_part = html.split("Last session")[1]
    assert "Signed, awaiting co-signature" in last_part
    assert reverse("notes:note-detail", args=[note.pk]) in last_part
    outstanding = html.split('id="outstanding-heading"')[1].split("</section>")[0]
    assert "Co-sign the note of" in outstanding  # the supervisor's own task


def test_open_risks_stay_at_the_top_and_are_in_the_outstanding_list(cast, login):
    populate(cast)
    html = overview(login(cast.therapist), cast.couple)
    assert html.index("Risk register: 1 unresolved") < html.index('id="sessions-heading"')
    outstanding = html.split('id="outstanding-heading"')[1].split("</section>")[0]
    assert "Acknowledge the risk: Suicide" in outstanding
    assert reverse("clinic:risk-register", args=[cast.couple.pk]) in outstanding


def test_plan_status_and_an_overdue_review_are_highlighted(cast, login):
    data = populate(cast)
    html = overview(login(cast.therapist), cast.couple)
    plan_part = html.split('id="plan-heading"')[1].split("</section>")[0]
    assert "Active, signed" in plan_part and "Overdue" in plan_part
    assert f"{data['plan'].review_due:%-d %B %Y}" in plan_part and "5 days ago" in plan_part
    outstanding = html.split('id="outstanding-heading"')[1].split("</section>")[0]
    assert "Review the treatment plan" in outstanding


def test_without_a_plan_the_overview_says_so(cast, login):
    html = overview(login(cast.therapist), cast.couple)
    plan_part = html.split('id="plan-heading"')[1].split("</section>")[0]
    assert "No plan" in plan_part and reverse("plans:plan-detail", args=[cast.couple.pk]) in plan_part
    assert "Write a treatment plan" in html


def test_latest_score_change_outcome_and_a_sparkline_per_partner_and_instrument(cast, login):
    populate(cast, scores=3)  # partner A: PHQ-9 20, 17, 14; partner B: 8, 8, 8
    html = overview(login(cast.therapist), cast.couple)
    scores = html.split('id="scores-heading"')[1].split("All measures")[0]
    partner_a, partner_b = scores.split('id="scores-b-heading"')
    assert "<strong>14</strong>" in partner_a and "-3" in partner_a and "Reliably improved" in partner_a
    assert "No change since the last" in partner_b
    labels = re.findall(r'class="sparkline"[^>]*aria-label="([^"]+)"', scores)
    assert len(labels) == 2
    assert labels[0].startswith("PHQ-9, Partner A: 20 on ") and labels[0].endswith(f"14 on {days_ago(48):%-d %b %Y}")
    assert cast.couple.partner_a.client.first_name in partner_a  # the partner's name beside "Partner A"


def test_homework_and_new_client_entries_with_links(cast, login):
    populate(cast, entries=2)
    html = overview(login(cast.therapist), cast.couple)
    part = html.split('id="between-heading"')[1].split("</section>")[0]
    assert "2 checking log entries" in part
    assert "Speaker-listener practice twice" in part and "Open homework <span class=\"count\">(1)" in part
    assert reverse("plans:cbt", args=[cast.couple.pk]) in part


def test_outstanding_lists_notes_measures_due_and_a_supervisor_return(cast, login):
    data = populate(cast)
    returned = signed_note(session=SessionFactory(couple=cast.couple, therapist=cast.therapist,
                                                  starts_at=at(days_ago(20))), status=NoteStatus.RETURNED)
    unrecorded = SessionFactory(couple=cast.couple, therapist=cast.therapist, starts_at=at(days_ago(9)),
                                attendance="scheduled")
    html = overview(login(cast.therapist), cast.couple)
    outstanding = html.split('id="outstanding-heading"')[1].split("</section>")[0]
    assert "Sign the draft note" in outstanding and reverse("notes:note-edit", args=[data["last"].pk]) in outstanding
    assert "Answer the supervisor&#x27;s return" in outstanding
    assert reverse("notes:note-detail", args=[returned.pk]) in outstanding
    assert "Record attendance" in outstanding and reverse("notes:session-edit", args=[unrecorded.pk]) in outstanding
    assert "GAD-7 due for Partner A" in outstanding and "GAD-7 due for Partner B" in outstanding


def test_an_unacknowledged_risk_answer_on_a_measure_is_outstanding(cast, login):
    measure = administration(cast.couple, cast.therapist, instrument="phq9", partner="a", total=12, risk=1)
    assert measure.risk_flag
    html = overview(login(cast.therapist), cast.couple)
    outstanding = html.split('id="outstanding-heading"')[1].split("</section>")[0]
    assert "Acknowledge the risk answer on the PHQ-9 of" in outstanding and "(Partner A)" in outstanding
    assert reverse("plans:measure-detail", args=[measure.pk]) in outstanding


def test_a_risk_question_left_blank_is_outstanding_until_it_is_followed_up_not_when_entries_are_reviewed(cast, login):
    """The blank is named (partner, instrument, date) and links to that form; reviewing the portal entries does not
    clear it: recording what the partner said when asked does (or a later answer, or a C-SSRS screen)."""
    from plans.services.measures import measure_acknowledge_risk

    measure = administration(cast.couple, cast.therapist, instrument="phq9", partner="a", total=8)
    MeasureAdministration.objects.filter(pk=measure.pk).update(source="client", risk_item_unanswered=True)
    item = next(i for i in _items(overview(login(cast.therapist), cast.couple)) if "risk question" in i)
    assert (f"Ask Partner A the risk question (item 9), left blank on the PHQ-9 of "
            f"{measure.administered_on:%-d %b %Y} in the portal") in item
    assert reverse("plans:measure-detail", args=[measure.pk]) in item
    supervisor_item = next(i for i in _items(overview(login(cast.supervisor), cast.couple)) if "risk question" in i)
    assert "to do:" in supervisor_item and "href" not in supervisor_item
    MeasureAdministration.objects.filter(pk=measure.pk).update(client_reviewed_at=timezone.now())
    assert [i for i in _items(overview(login(cast.therapist), cast.couple)) if "risk question" in i]
    measure.refresh_from_db()
    measure_acknowledge_risk(administration=measure, by=cast.therapist, note="Asked in session: no such thoughts.")
    assert not [i for i in _items(overview(login(cast.therapist), cast.couple)) if "risk question" in i]


def test_for_a_supervisor_a_risk_answer_on_a_measure_is_the_care_teams_to_do_without_a_link(cast, login):
    # Only the couple's primary therapist and co-therapists can acknowledge it (plans' measure page says so).
    measure = administration(cast.couple, cast.therapist, instrument="phq9", partner="a", total=12, risk=1)
    item = next(i for i in _items(overview(login(cast.supervisor), cast.couple)) if "risk answer" in i)
    assert "to do:" in item and "href" not in item
    assert reverse("plans:measure-detail", args=[measure.pk]) not in item


PHQ9_ITEM9_ONE = [1, 1, 1, 1, 1, 1, 1, 1, 1]


def record_phq9_with_risk(cast) -> MeasureAdministration:
    """A PHQ-9 with item 9 answered 1, recorded through the service: it raises a suicide risk in the register."""
    return measure_record(couple=cast.couple, by=cast.therapist, instrument=BUILTIN["phq9"], partner="a",
                          administered_on=days_ago(1), answers=PHQ9_ITEM9_ONE)


def _about_risk(items: list[str]) -> list[str]:
    return [i for i in items if "Acknowledge the risk" in i]


def test_a_phq9_risk_answer_and_the_register_risk_it_raised_are_one_outstanding_item(cast, login):
    measure = record_phq9_with_risk(cast)
    risk = Risk.objects.get(source=RiskSource.MEASURE, source_id=measure.pk)
    items = _about_risk(_items(overview(login(cast.therapist), cast.couple)))
    assert len(items) == 1, items
    item = items[0]
    assert (f"Acknowledge the risk: Suicide or self-harm from the PHQ-9 of {days_ago(1):%-d %b %Y} "
            f"(Partner A, raised {timezone.localtime(risk.raised_at):%-d %b})") in item
    # The register (screen and safety plan) first, then the score's own flag on the measure page.
    assert reverse("clinic:risk-register", args=[cast.couple.pk]) in item
    assert "Acknowledge the risk flag on the PHQ-9 too" in item
    assert reverse("plans:measure-detail", args=[measure.pk]) in item
    assert "risk answer of a PHQ-9" not in item


def test_for_a_supervisor_the_merged_risk_item_links_to_the_register_and_leaves_the_score_to_the_care_team(
        cast, login):
    measure = record_phq9_with_risk(cast)
    items = _about_risk(_items(overview(login(cast.supervisor), cast.couple)))
    assert len(items) == 1, items
    item = items[0]
    assert reverse("clinic:risk-register", args=[cast.couple.pk]) in item
    assert (f"{cast.therapist.display_name}’s to do:</span> Acknowledge the risk flag on the PHQ-9 too"
            in item)
    assert reverse("plans:measure-detail", args=[measure.pk]) not in item


def test_once_the_register_risk_is_acknowledged_or_closed_the_score_s_flag_is_its_own_item(cast, login):
    measure = record_phq9_with_risk(cast)
    risk = Risk.objects.get(source=RiskSource.MEASURE, source_id=measure.pk)
    risk = risk_acknowledge(risk=risk, by=cast.therapist, follow_up="Assessed with partner A alone.",
                            screen_answers=NEGATIVE_SCREEN, plan_not_made="Screen negative.")
    client = login(cast.therapist)
    expected = f"Acknowledge the risk answer on the PHQ-9 of {days_ago(1):%-d %b %Y} (Partner A)"
    acknowledged = _about_risk(_items(overview(client, cast.couple)))
    risk_close(risk=risk, by=cast.therapist, note="Reassessed: no current ideation.")
    closed = _about_risk(_items(overview(client, cast.couple)))
    for items in (acknowledged, closed):
        assert len(items) == 1 and expected in items[0], items
        assert reverse("plans:measure-detail", args=[measure.pk]) in items[0]
        assert reverse("clinic:risk-register", args=[cast.couple.pk]) not in items[0]


def test_a_flagged_score_without_a_register_risk_is_its_own_item(cast, login):
    measure = record_phq9_with_risk(cast)
    Risk.objects.filter(source=RiskSource.MEASURE, source_id=measure.pk).delete()  # data from before the register
    items = _about_risk(_items(overview(login(cast.therapist), cast.couple)))
    assert len(items) == 1, items
    assert f"Acknowledge the risk answer on the PHQ-9 of {days_ago(1):%-d %b %Y} (Partner A)" in items[0]
    assert reverse("plans:measure-detail", args=[measure.pk]) in items[0]


def test_supervisor_reads_the_overview_without_write_links(cast, login):
    data = populate(cast)
    html = overview(login(cast.supervisor), cast.couple)
    assert "Risk register: 1 unresolved" in html and 'id="scores-heading"' in html
    last_part = html.split("Last session")[1].split("</section>")[0]
    assert reverse("notes:note-edit", args=[data["last"].pk]) not in last_part
    assert reverse("notes:session-create", args=[cast.couple.pk]) not in html
    outstanding = html.split('id="outstanding-heading"')[1].split("</section>")[0]
    assert "Sign the draft note" in outstanding and "/note/" not in outstanding  # the editor would be a 404


def _items(html: str) -> list[str]:
    outstanding = html.split('id="outstanding-heading"')[1].split("</section>")[0]
    return [" ".join(item.split()) for item in re.findall(r"<li[^>]*>(.*?)</li>", outstanding, re.S)]


def test_for_a_supervisor_the_supervisees_tasks_are_theirs_without_links_and_co_signing_is_the_supervisors(
        cast, login):
    data = populate(cast)
    returned = signed_note(session=SessionFactory(couple=cast.couple, therapist=cast.therapist,
                                                  starts_at=at(days_ago(20))), status=NoteStatus.RETURNED)
    awaiting = signed_note(session=SessionFactory(couple=cast.couple, therapist=cast.therapist,
                                                  starts_at=at(days_ago(15))), status=NoteStatus.AWAITING_COSIGN)
    items = _items(overview(login(cast.supervisor), cast.couple))
    name = cast.therapist.display_name
    returned_item = next(i for i in items if "Answer the supervisor" in i)
    assert returned_item.startswith(f"<span class=\"outstanding-owner\">{name}’s to do:</span>")
    assert "href" not in returned_item and reverse("notes:note-detail", args=[returned.pk]) not in returned_item
    draft_item = next(i for i in items if "Sign the draft note" in i)
    assert f"{name}’s to do:" in draft_item and "href" not in draft_item
    assert reverse("notes:note-edit", args=[data["last"].pk]) not in draft_item
    cosign = next(i for i in items if "Co-sign the note" in i)
    assert reverse("notes:note-detail", args=[awaiting.pk]) in cosign and "to do" not in cosign
    risk = next(i for i in items if "Acknowledge the risk" in i)
    assert reverse("clinic:risk-register", args=[cast.couple.pk]) in risk
    # The therapist reads the same items as their own, with their links.
    mine = _items(overview(login(cast.therapist), cast.couple))
    assert not any("to do:" in i for i in mine)
    assert any(reverse("notes:note-detail", args=[returned.pk]) in i for i in mine)
    assert any("Co-signature awaited" in i for i in mine) and not any("Co-sign the note" in i for i in mine)


def test_outstanding_agrees_with_the_ipv_rescreen_and_not_on_track_alerts(cast, login):
    screen_partners(cast.couple, on=days_ago(400))
    administration(cast.couple, cast.therapist, instrument="phq9", partner="a", total=4, on=days_ago(60))
    administration(cast.couple, cast.therapist, instrument="phq9", partner="a", total=20, on=days_ago(5))
    active = plan(cast.couple, cast.therapist, status=PlanStatus.ACTIVE)
    active.review_due = days_ago(-30)
    active.save()
    html = overview(login(cast.therapist), cast.couple)
    assert "IPV re-screen due" in html and "Not on track: review the treatment plan" in html
    items = _items(html)
    rescreen = [i for i in items if "for IPV again" in i]
    assert len(rescreen) == 2
    assert reverse("clinic:partner-edit", args=[cast.couple.pk, "a"]) in rescreen[0]
    assert any("Review the treatment plan: not on track (Partner A)" in i
               and reverse("plans:plan-detail", args=[cast.couple.pk]) in i for i in items)
    assert f'Outstanding <span class="count">({len(items)})' in html
    assert "Nothing outstanding" not in html


@pytest.mark.parametrize("role", ["manager", "admin"])
@pytest.mark.parametrize("page", ["clinic:couple-detail", "clinic:couple-administration"])
def test_managers_and_admins_see_no_clinical_panel(cast, login, role, page):
    populate(cast, scores=3)
    response = login(getattr(cast, role)).get(reverse(page, args=[cast.couple.pk]))
    assert response.status_code == 403
    html = response.content.decode()
    for clinical in ("Latest scores", "PHQ-9", "Suicide", "Risk register", "Outstanding", "Speaker-listener",
                     "sparkline", cast.couple.partner_a.client.first_name, cast.couple.partner_b.client.last_name,
                     "Draft"):
        assert clinical not in html, clinical


def test_case_administration_has_the_case_details_and_the_overview_does_not(cast, login):
    screen_partners(cast.couple)  # else the "IPV screen missing" notice names the partners
    client = login(cast.therapist)
    partner = cast.couple.partner_a.client
    admin = client.get(reverse("clinic:couple-administration", args=[cast.couple.pk])).content.decode()
    assert "Presenting concerns" in admin and "Confidentiality agreement" in admin and 'id="care-team' in admin
    assert partner.last_name in admin and reverse("clinic:client-edit", args=[partner.pk]) in admin
    assert reverse("clinic:couple-edit", args=[cast.couple.pk]) in admin
    assert 'aria-current="page">Case administration' in admin
    html = overview(client, cast.couple)
    assert partner.last_name not in html and "Presenting concerns" not in html
    assert reverse("clinic:couple-administration", args=[cast.couple.pk]) in html


# The sign-in session's idle timestamp is written when its second changes (rapport.middleware), with the
# savepoints around it: noise of the clock, not of the page.
NOISE = ('UPDATE "django_session"', "SAVEPOINT", "RELEASE SAVEPOINT")


def _queries(client, couple) -> list[str]:
    keyring.clear_cache()  # each count includes the couple's data key
    with CaptureQueriesContext(connection) as queries:
        overview(client, couple)
    return [query["sql"] for query in queries.captured_queries if not query["sql"].startswith(NOISE)]


@pytest.mark.django_db(transaction=True)  # keys made in a transaction not yet committed are never cached
def test_query_count_stays_the_same_as_the_couple_s_data_grows(cast, login):
    client = login(cast.therapist)
    populate(cast, sessions=2, scores=2, entries=1)
    few = _queries(client, cast.couple)
    couple, therapist = cast.couple, cast.therapist
    for n in range(25):  # a year more of sessions, notes (some returned), scores, homework and entries
        signed_note(session=SessionFactory(couple=couple, therapist=therapist, starts_at=at(days_ago(100 + n))),
                    status=NoteStatus.RETURNED if n % 5 == 0 else NoteStatus.FINAL)
        for instrument in ("phq9", "gad7", "csi16"):
            administration(couple, therapist, instrument=instrument, partner="a", total=9, on=days_ago(100 + n))
            administration(couple, therapist, instrument=instrument, partner="b", total=7, on=days_ago(100 + n))
        Homework.objects.create(couple=couple, partner="a", assigned_on=days_ago(100 + n), description=f"Task {n}",
                                created_by=therapist)
        CheckingLogEntry.objects.create(couple=couple, partner="b", occurred_on=days_ago(3), resisted=False,
                                        source=EntrySource.CLIENT)
    risk_raise(couple=couple, kind=RiskKind.HARM_TO_OTHERS, source=RiskSource.NOTE, partner="a", by=therapist)
    record_phq9_with_risk(cast)  # a flagged score and its register risk: one Outstanding item, read from both lists
    many = _queries(client, cast.couple)
    shape = [re.sub(r"'[^']*'", "?", sql)[:240] for sql in many]
    assert len(few) == len(many), "\n".join(shape)
    # 35 measured: sign-in (session, user, device), the couple with partners, clients and care team, the audit
    # event, risks, write access, the couple's and practice's keys, and the panels (16: plan, scores 4 with the
    # not-on-track prompt, homework 2, measure risks, measures due 4, next and last session, entries, open notes).
    assert len(many) <= 36, len(many)


def test_sparkline_names_its_values_and_escapes_its_label():
    svg = charts.sparkline(label="CSI-4 <b>", points=[(datetime.date(2026, 1, 5), 10), (datetime.date(2026, 2, 5), 14)],
                           y_min=0, y_max=21)
    assert 'role="img"' in svg and 'aria-label="CSI-4 &lt;b&gt;: 10 on 5 Jan 2026, 14 on 5 Feb 2026"' in svg
    assert "<polyline" in svg and svg.count("<circle") == 1
    assert "no scores yet" in charts.sparkline(label="X", points=[], y_min=0, y_max=1)


def test_a_missing_ipv_screen_is_outstanding_until_recorded(cast, login):
    from clinic.models import IPVResult, Partner

    Partner.objects.filter(couple=cast.couple, position="a").update(ipv_result=IPVResult.NOT_DONE)
    Partner.objects.filter(couple=cast.couple, position="b").update(ipv_result=IPVResult.NO_CONCERN,
                                                                     ipv_screened_on=timezone.localdate())
    items = [i for i in _items(overview(login(cast.therapist), cast.couple)) if "for partner violence" in i]
    assert len(items) == 1 and "Screen Partner A for partner violence (needed before a joint session)" in items[0]
    assert reverse("clinic:partner-edit", args=[cast.couple.pk, "a"]) in items[0]
    Partner.objects.filter(couple=cast.couple, position="a").update(ipv_result=IPVResult.NO_CONCERN,
                                                                     ipv_screened_on=timezone.localdate())
    assert not [i for i in _items(overview(login(cast.therapist), cast.couple)) if "for partner violence (" in i]
