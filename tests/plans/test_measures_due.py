"""plans.selectors.measures.measures_due_for: which scheduled instruments are due, for whom, since when,
and at a constant number of queries."""

from __future__ import annotations

import dataclasses
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from plans.instruments.builtin import PHQ9
from plans.models import PlanStatus
from plans.selectors.measures import DueRow, measures_due_for
from tests.factories import CoupleFactory
from tests.plans.measure_factories import administration, plan, session

pytestmark = pytest.mark.django_db


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


def due(user, **filters) -> list[tuple]:
    return [(r.instrument, r.partner, r.last_given, r.due_since) for r in measures_due_for(user)
            if all(getattr(r, k) == v for k, v in filters.items())]


@pytest.mark.parametrize(("every", "interval"), [("week", 7), ("fortnight", 14), ("month", 30)])
def test_an_instrument_is_due_once_its_interval_has_passed(cast, every, interval):
    plan(cast.couple, cast.therapist, gad7=every)
    administration(cast.couple, cast.therapist, instrument="gad7", partner="a", on=days_ago(interval))
    administration(cast.couple, cast.therapist, instrument="gad7", partner="b", on=days_ago(interval - 1))
    assert due(cast.therapist) == [("gad7", "a", days_ago(interval), days_ago(0))]


def test_never_given_is_due_since_the_plan_was_signed(cast):
    plan(cast.couple, cast.therapist, csi16="month", signed_on=days_ago(12))
    assert due(cast.therapist) == [("csi16", "a", None, days_ago(12)), ("csi16", "b", None, days_ago(12))]


def test_only_the_latest_administration_counts(cast):
    plan(cast.couple, cast.therapist, phq9="month")
    for partner in "ab":
        administration(cast.couple, cast.therapist, instrument="phq9", partner=partner, on=days_ago(90))
        administration(cast.couple, cast.therapist, instrument="phq9", partner=partner, on=days_ago(5))
    assert due(cast.therapist) == []


def test_every_session_falls_back_to_weekly_without_sessions(cast):
    plan(cast.couple, cast.therapist, csi4="session")
    administration(cast.couple, cast.therapist, partner="a", on=days_ago(8))
    administration(cast.couple, cast.therapist, partner="b", on=days_ago(6))
    assert due(cast.therapist) == [("csi4", "a", days_ago(8), days_ago(1))]


def test_every_session_is_due_after_an_attended_session_since_the_last_administration(cast):
    plan(cast.couple, cast.therapist, csi4="session", signed_on=days_ago(60))
    administration(cast.couple, cast.therapist, partner="a", on=days_ago(20))  # given at the session of day 20
    administration(cast.couple, cast.therapist, partner="b", on=days_ago(6))
    session(cast.couple, cast.therapist, on=days_ago(20))
    session(cast.couple, cast.therapist, on=days_ago(13), attendance="cancelled")
    session(cast.couple, cast.therapist, on=days_ago(6))
    session(cast.couple, cast.therapist, on=days_ago(2), attendance="no_show")
    # Partner A: the session of day 6 came after their last CSI-4 (day 20; the day-13 session was cancelled).
    # Partner B answered on the day of that session: not due, although more than a week ago.
    assert due(cast.therapist) == [("csi4", "a", days_ago(20), days_ago(6))]


def test_every_session_never_given_is_due_from_the_first_attended_session_of_the_plan(cast):
    plan(cast.couple, cast.therapist, csi4="session", signed_on=days_ago(10))
    session(cast.couple, cast.therapist, on=days_ago(30))  # before the plan
    assert due(cast.therapist) == []
    session(cast.couple, cast.therapist, on=days_ago(3))
    assert due(cast.therapist) == [("csi4", "a", None, days_ago(3)), ("csi4", "b", None, days_ago(3))]


@pytest.mark.parametrize("status", [PlanStatus.DRAFT, PlanStatus.SUPERSEDED])
def test_only_active_plans_count(cast, status):
    plan(cast.couple, cast.therapist, status=status, csi4="week")
    assert due(cast.therapist) == []


def test_discharged_couples_are_left_out(cast):
    plan(cast.couple, cast.therapist, csi4="week")
    cast.couple.__class__.objects.filter(pk=cast.couple.pk).update(status="discharged")
    assert due(cast.therapist) == []


def test_rows_are_plain_data_for_the_therapist_home(cast):
    plan(cast.couple, cast.therapist, csi4="week", signed_on=days_ago(3))
    row = measures_due_for(cast.therapist)[0]
    assert isinstance(row, DueRow)
    assert dataclasses.asdict(row) == {
        "couple_id": cast.couple.pk, "couple_reference": cast.couple.reference, "instrument": "csi4",
        "instrument_name": "CSI-4", "partner": "a", "partner_label": "Partner A", "every": "week",
        "every_label": "Weekly", "last_given": None, "due_since": days_ago(3), "can_record": True,
    }


def test_each_user_sees_only_couples_they_can_see(cast):
    plan(cast.couple, cast.therapist, csi4="week")
    assert len(measures_due_for(cast.co_therapist)) == 2
    supervised = measures_due_for(cast.supervisor)
    assert len(supervised) == 2 and not any(row.can_record for row in supervised)
    for role in ("stranger", "outsider", "manager", "admin"):
        assert measures_due_for(getattr(cast, role)) == [], role


def test_oldest_due_first(cast):
    other = CoupleFactory(practice=cast.practice, primary=cast.therapist)
    plan(cast.couple, cast.therapist, csi4="week", signed_on=days_ago(2))
    plan(other, cast.therapist, phq9="month", signed_on=days_ago(40))
    rows = measures_due_for(cast.therapist)
    assert [(r.couple_reference, r.instrument) for r in rows] == [
        (other.reference, "phq9"), (other.reference, "phq9"), (cast.couple.reference, "csi4"),
        (cast.couple.reference, "csi4"),
    ]


def _populate(therapist, practice, couples: int, administrations: int) -> None:
    for n in range(couples):
        couple = CoupleFactory(practice=practice, primary=therapist)
        plan(couple, therapist, csi4="session", phq9="month", gad7="fortnight")
        for k in range(administrations):
            administration(couple, therapist, instrument=("csi4", "phq9", "gad7")[k % 3], partner="ab"[k % 2],
                           on=days_ago(200 - 3 * k))
        for k in range(0, 40, 7):
            session(couple, therapist, on=days_ago(k + n % 3))


def _count(user) -> int:
    with CaptureQueriesContext(connection) as queries:
        measures_due_for(user)
    return len(queries)


def test_query_count_does_not_grow_with_couples_administrations_or_sessions(cast, django_assert_max_num_queries):
    _populate(cast.therapist, cast.practice, couples=2, administrations=3)
    small = _count(cast.therapist)
    _populate(cast.therapist, cast.practice, couples=10, administrations=30)
    with django_assert_max_num_queries(small):
        rows = measures_due_for(cast.therapist)
    assert {row.couple_reference for row in rows}  # the larger data set has something due
    assert small <= 7, small


def test_a_blank_risk_question_is_followed_up_by_an_answer_a_later_form_or_a_screen(cast, login):
    """Today's "Ask at the next contact" lists a form whose item 9 was left blank (from the portal or on paper)
    until a clinician records what the partner said, a later PHQ-9 of that partner answers item 9, or a C-SSRS
    screen of the partner is recorded; the measure page offers the form to record it."""
    from clinic.models import SuicideScreen
    from plans.selectors.measures import risk_questions_to_ask
    from plans.services.measures import measure_acknowledge_risk, measure_record

    day = timezone.localdate()
    blank = [1, 1, 0, 0, 1, 0, 0, 0, None]
    first = measure_record(couple=cast.couple, by=cast.therapist, instrument=PHQ9, partner="a",
                           administered_on=day - datetime.timedelta(days=10), answers=blank)
    assert first.risk_item_unanswered
    assert [m.pk for m in risk_questions_to_ask(cast.therapist)] == [first.pk]
    assert risk_questions_to_ask(cast.manager) == [] and risk_questions_to_ask(cast.stranger) == []

    # A later form answering item 9 follows it up; one that leaves it blank again does not.
    again = measure_record(couple=cast.couple, by=cast.therapist, instrument=PHQ9, partner="a",
                           administered_on=day - datetime.timedelta(days=5), answers=blank)
    assert [m.pk for m in risk_questions_to_ask(cast.therapist)] == [first.pk, again.pk]
    measure_record(couple=cast.couple, by=cast.therapist, instrument=PHQ9, partner="b",
                   administered_on=day - datetime.timedelta(days=4), answers=[0] * 9)  # the other partner's
    assert len(risk_questions_to_ask(cast.therapist)) == 2
    measure_record(couple=cast.couple, by=cast.therapist, instrument=PHQ9, partner="a",
                   administered_on=day - datetime.timedelta(days=3), answers=[0] * 9)
    assert risk_questions_to_ask(cast.therapist) == []

    # A C-SSRS screen of the partner follows up a blank given before it.
    later = measure_record(couple=cast.couple, by=cast.therapist, instrument=PHQ9, partner="b",
                           administered_on=day - datetime.timedelta(days=2), answers=blank)
    client = login(cast.therapist)
    page = client.get(reverse("plans:measure-detail", args=[later.pk])).content.decode()
    assert "The risk question was left blank: ask at the next contact" in page and "Record the answer" in page
    SuicideScreen.objects.create(couple=cast.couple, partner="b", number=1, answers={}, recorded_by=cast.therapist)
    assert risk_questions_to_ask(cast.therapist) == []
    assert "Record the answer" not in client.get(reverse("plans:measure-detail", args=[later.pk])).content.decode()

    # Or the clinician records what the partner said, on the form's page.
    last = measure_record(couple=cast.couple, by=cast.therapist, instrument=PHQ9, partner="b",
                          administered_on=day - datetime.timedelta(days=1), answers=blank)
    response = client.post(reverse("plans:measure-acknowledge-risk", args=[last.pk]), {"note": ""})
    assert response.status_code == 400 and "Write what the partner said" in response.content.decode()
    response = client.post(reverse("plans:measure-acknowledge-risk", args=[last.pk]),
                           {"note": "Asked in session: no thoughts of self-harm."}, follow=True)
    assert "the risk question of this form is followed up" in response.content.decode()
    assert "Risk question followed up" in response.content.decode()
    assert risk_questions_to_ask(cast.therapist) == []
    with pytest.raises(ValidationError, match="already been acknowledged"):
        measure_acknowledge_risk(administration=last, by=cast.therapist, note="Again.")


def test_a_supervisor_sees_a_supervisees_blank_risk_question_as_the_care_teams_to_record(cast, login):
    from plans.services.measures import measure_record

    measure_record(couple=cast.couple, by=cast.therapist, instrument=PHQ9, partner="a",
                   administered_on=timezone.localdate(), answers=[1, 1, 0, 0, 1, 0, 0, 0, None])
    mine = login(cast.therapist).get(reverse("notes:therapist-home")).content.decode()
    theirs = login(cast.supervisor).get(reverse("notes:therapist-home")).content.decode()
    def section(html):
        return html.split('id="ask-heading"')[1].split("</section>")[0]

    assert "records the answer" not in section(mine)
    assert "(the couple's therapist records the answer)" in section(theirs)
