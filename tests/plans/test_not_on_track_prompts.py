"""'Not on track' (issue 11, item 5) beyond the Measures and Plan tabs: a plan-review prompt per couple on Today
(notes:therapist-home) and on the couple overview, from one selector (plans.selectors.measures.plan_reviews_due)
whose query count does not grow with the caseload; never shown to a practice manager or administrator."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from plans.selectors.measures import plan_review_prompts, plan_reviews_due, plan_reviews_due_for
from tests.factories import CoupleFactory
from tests.plans.measure_factories import administration, session

pytestmark = pytest.mark.django_db


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


def not_improving(couple, by, *, sessions: int = 8) -> None:
    """Partner B's PHQ-9 16 -> 14 (no reliable change) over `sessions` attended sessions."""
    administration(couple, by, instrument="phq9", partner="b", total=16, on=days_ago(70))
    administration(couple, by, instrument="phq9", partner="b", total=14, on=days_ago(1))
    for week in range(sessions):
        session(couple, by, on=days_ago(63 - 7 * week))


def deteriorating(couple, by) -> None:
    """Partner A's GAD-7 5 -> 12 (reliable deterioration: 4 or more), after two sessions only."""
    administration(couple, by, instrument="gad7", partner="a", total=5, on=days_ago(20))
    administration(couple, by, instrument="gad7", partner="a", total=12, on=days_ago(2))
    session(couple, by, on=days_ago(20))
    session(couple, by, on=days_ago(13))


def improving(couple, by) -> None:
    administration(couple, by, instrument="phq9", partner="a", total=18, on=days_ago(70))
    administration(couple, by, instrument="phq9", partner="a", total=6, on=days_ago(1))
    for week in range(9):
        session(couple, by, on=days_ago(66 - 7 * week))


def test_the_selector_names_the_couples_not_on_track_and_agrees_with_the_couple_prompt(cast):
    on_track = CoupleFactory(practice=cast.practice, primary=cast.therapist)
    worse = CoupleFactory(practice=cast.practice, primary=cast.therapist)
    too_early = CoupleFactory(practice=cast.practice, primary=cast.therapist)
    not_improving(cast.couple, cast.therapist)
    improving(on_track, cast.therapist)
    deteriorating(worse, cast.therapist)
    not_improving(too_early, cast.therapist, sessions=7)
    rows = plan_reviews_due_for(cast.therapist)
    assert {row.couple.pk for row in rows} == {cast.couple.pk, worse.pk}
    for row in rows:
        assert row.prompts == plan_review_prompts(row.couple)
    by_couple = {row.couple.pk: row.prompts for row in rows}
    assert [(p.instrument, p.partner_label, p.outcome_label) for p in by_couple[worse.pk]] == [
        ("GAD-7", "Partner A", "Reliably deteriorated")]
    assert "no reliable improvement after 8 attended sessions" in by_couple[cast.couple.pk][0].reason
    # The supervisor of the therapist sees the same couples; a therapist not on them, a manager and an
    # administrator see none.
    assert {row.couple.pk for row in plan_reviews_due_for(cast.supervisor)} == {cast.couple.pk, worse.pk}
    for user in (cast.stranger, cast.manager, cast.admin, cast.outsider):
        assert plan_reviews_due_for(user) == []


def test_only_the_first_and_latest_scores_decide_whatever_lies_between(cast):
    # Caseload-wide, the database sends each partner's first and latest scored administration only: the
    # prompts must be those of the couple's whole series (a good middle score changes nothing; a single
    # score is not classifiable).
    for total, days in ((16, 80), (5, 60), (4, 40), (15, 2)):
        administration(cast.couple, cast.therapist, instrument="phq9", partner="b", total=total, on=days_ago(days))
    administration(cast.couple, cast.therapist, instrument="gad7", partner="a", total=5, on=days_ago(30))
    administration(cast.couple, cast.therapist, instrument="gad7", partner="a", total=12, on=days_ago(10))
    administration(cast.couple, cast.therapist, instrument="gad7", partner="a", total=4, on=days_ago(3))
    administration(cast.couple, cast.therapist, instrument="gad7", partner="b", total=19, on=days_ago(3))
    for week in range(9):
        session(cast.couple, cast.therapist, on=days_ago(70 - 7 * week))

    rows = plan_reviews_due_for(cast.therapist)

    assert [row.couple.pk for row in rows] == [cast.couple.pk]
    assert rows[0].prompts == plan_review_prompts(cast.couple)
    assert ("PHQ-9", "Partner B") in [(p.instrument, p.partner_label) for p in rows[0].prompts]  # 16 -> 15


def test_a_discharged_couple_is_not_prompted(cast):
    not_improving(cast.couple, cast.therapist)
    cast.couple.status = "discharged"
    cast.couple.save(update_fields=["status"])
    assert plan_reviews_due_for(cast.therapist) == []


def _caseload(cast, count: int) -> None:
    for _ in range(count):
        couple = CoupleFactory(practice=cast.practice, primary=cast.therapist)
        not_improving(couple, cast.therapist)
        deteriorating(couple, cast.therapist)


def test_the_selector_query_count_does_not_grow_with_the_caseload(cast):
    _caseload(cast, 2)
    with CaptureQueriesContext(connection) as small:
        assert len(plan_reviews_due_for(cast.therapist)) == 2
    _caseload(cast, 8)
    with CaptureQueriesContext(connection) as large:
        rows = plan_reviews_due_for(cast.therapist)
    assert len(rows) == 10 and all(len(row.prompts) == 2 for row in rows)
    # The couples; their scored administrations; their attended-session counts (one, from
    # notes.selectors.calendar); the practice's instruments.
    assert len(small) == len(large) == 4, "\n".join(q["sql"][:150] for q in large.captured_queries)
    assert plan_reviews_due([]) == []


@pytest.mark.django_db(transaction=True)
def test_todays_query_count_does_not_grow_with_couples_not_on_track(cast, login, django_assert_max_num_queries):
    client = login(cast.therapist)
    _caseload(cast, 2)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("notes:therapist-home")).status_code == 200
    _caseload(cast, 8)
    with django_assert_max_num_queries(len(small)):
        body = client.get(reverse("notes:therapist-home")).content.decode()
    assert '<span class="count">(10)</span>' in body.split('id="off-track-heading"', 1)[1].split("</h2>", 1)[0]


def test_today_prompts_a_plan_review_per_couple_not_on_track(cast, login):
    worse = CoupleFactory(practice=cast.practice, primary=cast.therapist)
    not_improving(cast.couple, cast.therapist)
    deteriorating(worse, cast.therapist)
    body = login(cast.therapist).get(reverse("notes:therapist-home")).content.decode()
    section = body.split('id="off-track-heading"', 1)[1].split("</section>", 1)[0]
    assert '<span class="count">(2)</span>' in section
    for couple in (cast.couple, worse):
        assert couple.reference in section
        assert reverse("plans:plan-detail", args=[couple.pk]) in section
    assert "Partner A, GAD-7: reliable deterioration." in section
    assert "Partner B, PHQ-9: no reliable improvement after 8 attended sessions." in section
    assert "(" not in section.split("</p>", 1)[1]


def test_today_phrases_a_couple_once_without_nested_brackets(cast, login):
    """Four prompts of one couple read "(no reliable improvement after 13 attended sessions (review from the
    8th))" four times: now each partner and reason once, the instruments together."""
    for partner in ("a", "b"):
        for instrument, first, last in (("phq9", 16, 14), ("gad7", 12, 11)):
            administration(cast.couple, cast.therapist, instrument=instrument, partner=partner, total=first,
                           on=days_ago(100))
            administration(cast.couple, cast.therapist, instrument=instrument, partner=partner, total=last,
                           on=days_ago(1))
    administration(cast.couple, cast.therapist, instrument="gad7", partner="b", total=19, on=days_ago(0))
    for week in range(13):
        session(cast.couple, cast.therapist, on=days_ago(95 - 7 * week))
    body = login(cast.therapist).get(reverse("notes:therapist-home")).content.decode()
    section = body.split('id="off-track-heading"', 1)[1].split("</section>", 1)[0]
    line = " ".join(section.split("<li>", 1)[1].split("</li>", 1)[0].split())
    assert ("Partner A, PHQ-9 and GAD-7: no reliable improvement after 13 attended sessions; "
            "Partner B, PHQ-9: no reliable improvement after 13 attended sessions; "
            "Partner B, GAD-7: reliable deterioration.") in line, line
    assert "review from the" not in line and "((" not in line and "))" not in line


def test_today_has_no_prompt_when_every_couple_is_on_track(cast, login):
    improving(cast.couple, cast.therapist)
    body = login(cast.therapist).get(reverse("notes:therapist-home")).content.decode()
    assert "off-track-heading" not in body


def test_the_couple_overview_prompts_a_plan_review(cast, login):
    not_improving(cast.couple, cast.therapist, sessions=7)
    url = reverse("clinic:couple-detail", args=[cast.couple.pk])
    client = login(cast.therapist)
    assert "Not on track" not in client.get(url).content.decode()
    session(cast.couple, cast.therapist, on=days_ago(3))
    body = client.get(url).content.decode()
    assert "Not on track: review the treatment plan" in body
    assert "Partner B, PHQ-9: no reliable improvement after 8 attended sessions." in body
    assert reverse("plans:plan-detail", args=[cast.couple.pk]) in body
    # The supervisor reads the case and sees the prompt too.
    assert "Not on track" in login(cast.supervisor).get(url).content.decode()


def test_a_manager_never_sees_the_prompt(cast, login):
    not_improving(cast.couple, cast.therapist)
    client = login(cast.manager)
    for url in (reverse("clinic:couple-detail", args=[cast.couple.pk]), reverse("notes:therapist-home")):
        response = client.get(url)
        assert "Not on track" not in response.content.decode()
        assert "PHQ-9" not in response.content.decode()


def test_today_shows_the_first_ten_deterioration_first_and_the_full_list_has_them_all(cast, login):
    not_improving(cast.couple, cast.therapist)
    for _ in range(10):  # 11 couples not improving
        not_improving(CoupleFactory(practice=cast.practice, primary=cast.therapist), cast.therapist)
    worse = CoupleFactory(practice=cast.practice, primary=cast.therapist, reference="ZZ-LAST")
    deteriorating(worse, cast.therapist)
    client = login(cast.therapist)
    body = client.get(reverse("notes:therapist-home")).content.decode()
    section = body.split('id="off-track-heading"', 1)[1].split("</section>", 1)[0]
    assert '<span class="count">(12)</span>' in section
    assert section.count("<li>") == 10
    first = section.split("<li>", 2)[1]
    assert "ZZ-LAST" in first, "reliable deterioration comes first, whatever the reference"
    assert "The first 10 of 12, reliable deterioration first." in section
    assert reverse("plans:not-on-track") in section
    page = client.get(reverse("plans:not-on-track")).content.decode()
    rows = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert rows.count("<tr>") == 12 and "12 couples not on track" in page
    assert rows.index("ZZ-LAST") < rows.index(cast.couple.reference)


def test_the_full_list_says_when_every_couple_is_on_track(cast, login):
    improving(cast.couple, cast.therapist)
    page = login(cast.therapist).get(reverse("plans:not-on-track")).content.decode()
    assert "Every couple is on track" in page and "<tbody>" not in page
