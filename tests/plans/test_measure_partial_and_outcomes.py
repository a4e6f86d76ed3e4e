"""Issue 11, parts 3 and 5: partial PHQ-9/GAD-7 forms (stored incomplete, prorated only under the published
rule, item 9 always flags, the difficulty question recorded) and named outcomes (recovered, reliably
improved, no reliable change, reliably deteriorated, not classifiable; "not on track")."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from plans.instruments import (
    BUILTIN,
    NO_RELIABLE_CHANGE,
    NOT_CLASSIFIABLE,
    RECOVERED,
    RELIABLY_DETERIORATED,
    RELIABLY_IMPROVED,
    InvalidAnswers,
    classify_outcome,
    not_on_track,
)
from plans.models import MeasureAdministration
from plans.selectors.measures import measures_tab, plan_review_prompts
from plans.services.measures import measure_record
from reports.builders.practice import build_practice_report
from reports.builders.sections import build_measures
from reports.rendering.practice import report_csv
from reports.selectors.practice import Month
from tests.factories import CoupleFactory
from tests.plans.measure_factories import administration, session

pytestmark = pytest.mark.django_db

PHQ9, GAD7, CSI4 = BUILTIN["phq9"], BUILTIN["gad7"], BUILTIN["csi4"]


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


# --- Scoring partial forms ------------------------------------------------------------------------


def test_a_phq9_with_two_items_missing_is_prorated_half_up():
    score = PHQ9.score([2, 2, None, 1, 1, 1, None, 1, 0], allow_partial=True)
    # answered 8 over 7 items: 8 x 9 / 7 = 10.29 -> 10
    assert (score.total, score.prorated, score.missing, score.band) == (10, True, (3, 7), "Moderate")
    assert score.values == [2, 2, None, 1, 1, 1, None, 1, 0]
    half = PHQ9.score([1, 1, 1, 1, 1, 1, 0, None, None], allow_partial=True)
    assert half.total == 8  # 6 x 9 / 7 = 7.71 -> 8
    assert PHQ9.score([3, 3, 3, 3, 3, 3, 3, 1, None], allow_partial=True).total == 25  # 22 x 9/8 = 24.75


def test_a_phq9_with_three_items_missing_has_no_total_but_item_9_still_flags():
    score = PHQ9.score([None, None, None, 0, 0, 0, 0, 0, 1], allow_partial=True)
    assert (score.total, score.band, score.prorated, score.risk_flag, score.clinical) == (None, "", False, True, None)
    assert score.incomplete and score.missing == (1, 2, 3)


def test_gad7_partial_forms_are_never_prorated():
    score = GAD7.score([1, 1, 1, 1, 1, 1, None], allow_partial=True)
    assert (score.total, score.prorated, score.missing) == (None, False, (7,))


def test_partial_forms_only_where_the_instrument_accepts_them():
    with pytest.raises(InvalidAnswers, match="Item 2"):
        CSI4.score([3, None, 3, 3], allow_partial=True)
    with pytest.raises(InvalidAnswers, match="needs an answer"):
        PHQ9.score([None, 1, 1, 1, 1, 1, 1, 1, 1])  # without allow_partial: as before
    with pytest.raises(InvalidAnswers, match="nothing to record"):
        PHQ9.score([None] * 9, allow_partial=True)


def test_the_difficulty_question_accepts_its_four_answers_only():
    assert PHQ9.validate_difficulty(2) == 2 and PHQ9.validate_difficulty(None) is None
    with pytest.raises(InvalidAnswers, match="Difficulty question"):
        PHQ9.validate_difficulty(4)
    with pytest.raises(InvalidAnswers, match="no difficulty question"):
        CSI4.validate_difficulty(1)


# --- Named outcomes -------------------------------------------------------------------------------


@pytest.mark.parametrize(("instrument", "first", "last", "count", "kind"), [
    (PHQ9, 15, 5, 2, RECOVERED),  # above 10 -> below, -10 >= 6
    (PHQ9, 15, 9, 3, RECOVERED),  # -6: exactly the threshold
    (PHQ9, 20, 12, 2, RELIABLY_IMPROVED),  # reliable, but still above the cut-off
    (PHQ9, 9, 2, 2, RELIABLY_IMPROVED),  # not a case at baseline: cannot "recover"
    (PHQ9, 12, 8, 2, NO_RELIABLE_CHANGE),  # crossed the cut-off, change not reliable
    (PHQ9, 4, 12, 2, RELIABLY_DETERIORATED),
    (GAD7, 12, 7, 2, RECOVERED),  # GAD-7 cut-off 10, threshold 4
    (GAD7, 12, 9, 2, NO_RELIABLE_CHANGE),
    (PHQ9, 15, 15, 1, NOT_CLASSIFIABLE),  # one score
    (CSI4, 8, 18, 2, NOT_CLASSIFIABLE),  # no published reliable-change threshold
])
def test_outcomes_are_named_after_jacobson_and_truax(instrument, first, last, count, kind):
    assert classify_outcome(instrument, first, last, count=count).kind == kind


def test_not_on_track_by_the_eighth_attended_session_or_on_any_deterioration():
    same = classify_outcome(PHQ9, 15, 13, count=3)
    assert not not_on_track(PHQ9, same, 7) and not_on_track(PHQ9, same, 8)
    assert not not_on_track(PHQ9, classify_outcome(PHQ9, 15, 8, count=3), 12)  # improved
    assert not_on_track(PHQ9, classify_outcome(PHQ9, 5, 12), 1)  # deterioration: at once, from any start
    assert not not_on_track(CSI4, classify_outcome(CSI4, 8, 8), 20)  # no threshold: no prompt


@pytest.mark.parametrize(("instrument", "first", "last", "prompted"), [
    (PHQ9, 6, 4, False),  # below the cut-off (10) at the start: a reliable drop of 6 is barely possible
    (PHQ9, 8, 5, False),
    (PHQ9, 10, 8, True),  # at the cut-off: a case at the start
    (GAD7, 9, 8, False),  # GAD-7 cut-off 10
    (GAD7, 12, 11, True),
])
def test_no_improvement_prompts_only_for_a_partner_who_started_in_the_clinical_range(instrument, first, last,
                                                                                      prompted):
    assert not_on_track(instrument, classify_outcome(instrument, first, last), 17) is prompted


# --- Recording: service, page, API ----------------------------------------------------------------


def test_the_service_stores_a_partial_form_marked_and_flagged(cast):
    answers = [2, 2, None, 1, 1, 1, 1, 1, 1]
    measure = measure_record(couple=cast.couple, by=cast.therapist, instrument=PHQ9, partner="a",
                             administered_on=days_ago(1), answers=answers, difficulty=2)
    measure.refresh_from_db()
    assert (measure.total, measure.prorated, measure.missing_items, measure.risk_flag) == (11, True, 1, True)
    assert measure.answers == answers and measure.difficulty == 2
    assert measure.total_display == "11 (prorated)"
    # The difficulty answer is encrypted like the items.
    with connection.cursor() as cursor:
        cursor.execute("SELECT difficulty FROM plans_measureadministration WHERE id = %s", [measure.pk.hex])
        raw = cursor.fetchone()[0]
    assert raw is not None and bytes(raw) != b"2"  # sealed, not the plain answer


def record_url(couple) -> str:
    return reverse("plans:measure-record", args=[couple.pk])


def test_the_record_page_accepts_a_partial_phq9_and_says_so(cast, login):
    data = {"instrument": "phq9", "partner": "b", "administered_on": days_ago(2).isoformat(), "difficulty": "1"}
    data.update({f"item_{n}": "0" for n in (4, 5, 6, 7, 8)})
    data["item_9"] = "1"
    client = login(cast.therapist)
    response = client.post(record_url(cast.couple), data)
    measure = MeasureAdministration.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("plans:measure-detail", args=[measure.pk])
    assert (measure.total, measure.missing_items, measure.risk_flag, measure.difficulty) == (None, 3, True, 1)
    page = client.get(response["Location"]).content.decode()
    assert "Incomplete" in page and "3 items unanswered" in page and "Not answered" in page
    assert "Somewhat difficult" in page
    form = client.get(record_url(cast.couple) + "?instrument=phq9").content.decode()
    assert 'id="partial-hint"' in form and "how difficult have these problems made it" in form


def test_the_record_page_still_refuses_a_blank_phq9(cast, login):
    data = {"instrument": "phq9", "partner": "a", "administered_on": days_ago(1).isoformat()}
    response = login(cast.therapist).post(record_url(cast.couple), data)
    assert response.status_code == 400
    assert "No item of the PHQ-9 was answered" in response.content.decode()
    assert not MeasureAdministration.objects.exists()


def send(api, url, data):
    return api.post(url, data=json.dumps(data), content_type="application/json")


def test_the_api_accepts_a_partial_form_with_nulls_and_marks_it(cast, login):
    url = reverse("couple-measure-list", args=[cast.couple.pk])
    response = send(login(cast.therapist), url, {
        "instrument": "phq9", "partner": "a", "administered_on": days_ago(1).isoformat(),
        "answers": [3, 3, 3, 3, 3, 3, 3, None, None], "difficulty": 3,
    })
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["total"], data["prorated"], data["incomplete"], data["missing_items"]) == (27, True, True, 2)
    assert data["answers"][-2:] == [None, None] and data["difficulty"] == 3
    listed = login(cast.therapist).get(url).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert rows[0]["prorated"] is True


@pytest.mark.parametrize(("body", "field", "message"), [
    ({"instrument": "phq9", "answers": [None] * 9}, "answers", "nothing to record"),
    ({"instrument": "csi4", "answers": [1, None, 1, 1]}, "answers", "Item 2"),
    ({"instrument": "phq9", "answers": [1] * 9, "difficulty": 7}, "difficulty", "Difficulty question"),
    ({"instrument": "csi4", "answers": [1, 1, 1, 1], "difficulty": 1}, "difficulty", "no difficulty question"),
])
def test_the_api_refuses_bad_partial_forms_with_a_clear_400(cast, login, body, field, message):
    url = reverse("couple-measure-list", args=[cast.couple.pk])
    response = send(login(cast.therapist), url, {"partner": "a", "administered_on": days_ago(1).isoformat(),
                                                 **body})
    assert response.status_code == 400
    assert message in json.dumps(response.json())
    assert field in json.dumps(response.json())


# --- Where outcomes show ---------------------------------------------------------------------------


def test_the_measures_tab_names_outcomes_and_leaves_unscored_forms_out(cast, login):
    administration(cast.couple, cast.therapist, instrument="phq9", partner="a", total=15, on=days_ago(30))
    administration(cast.couple, cast.therapist, instrument="phq9", partner="a", total=5, on=days_ago(10))
    measure_record(couple=cast.couple, by=cast.therapist, instrument=PHQ9, partner="a", administered_on=days_ago(1),
                   answers=[3, 3, 3, None, None, None, 0, 0, 0])  # no total: not the latest score
    tab = measures_tab(cast.couple)
    change = tab.sections[0].changes[0]
    assert (change.outcome.kind, change.change.latest, change.unscored) == (RECOVERED, 5, 1)
    page = login(cast.therapist).get(reverse("plans:measure-list", args=[cast.couple.pk])).content.decode()
    assert "Recovered" in page and "1 incomplete form without a total left out" in page
    assert "Jacobson &amp; Truax 1991, criterion c" in page


def test_not_on_track_prompts_a_plan_review_on_the_measures_and_plan_pages(cast, login):
    administration(cast.couple, cast.therapist, instrument="phq9", partner="b", total=16, on=days_ago(70))
    administration(cast.couple, cast.therapist, instrument="phq9", partner="b", total=14, on=days_ago(1))
    for week in range(7):
        session(cast.couple, cast.therapist, on=days_ago(63 - 7 * week))
    assert plan_review_prompts(cast.couple) == []
    session(cast.couple, cast.therapist, on=days_ago(2))
    prompt, = plan_review_prompts(cast.couple)
    assert (prompt.instrument, prompt.partner_label, prompt.outcome_label) == ("PHQ-9", "Partner B",
                                                                               "No reliable change")
    client = login(cast.therapist)
    measures = client.get(reverse("plans:measure-list", args=[cast.couple.pk])).content.decode()
    assert "Not on track" in measures
    # The same words as Today and the couple overview.
    assert "Partner B, PHQ-9: no reliable improvement after 8 attended sessions." in measures
    assert "Not on track" in client.get(reverse("plans:plan-detail", args=[cast.couple.pk])).content.decode()


def test_the_couple_report_section_names_each_partners_outcome(cast):
    administration(cast.couple, cast.therapist, instrument="phq9", partner="a", total=15, on=days_ago(30))
    administration(cast.couple, cast.therapist, instrument="phq9", partner="a", total=5, on=days_ago(10))
    measure_record(couple=cast.couple, by=cast.therapist, instrument=PHQ9, partner="b", administered_on=days_ago(9),
                   answers=[3, 3, 3, 3, 3, 3, 3, None, 0])
    block, = build_measures(cast.couple, until=timezone.localdate())
    a, b = block.outcomes
    assert (a.outcome, a.prorated) == ("Recovered", False)
    assert (b.outcome, b.prorated, b.latest) == ("Not classifiable", True, 24)
    assert any(row.b_band == "Severe (prorated)" for row in block.rows)


def test_practice_outcomes_give_recovery_rates_for_every_instrument(cast):
    month = Month(datetime.date(2025, 9, 1))
    now = timezone.make_aware(datetime.datetime(2025, 10, 2, 12))

    def couple(reference):
        return CoupleFactory(practice=cast.practice, primary=cast.therapist, reference=reference,
                             start_date=datetime.date(2025, 6, 1))

    def scores(c, instrument, partner, *totals):
        for day, total in enumerate(totals, start=1):
            administration(c, cast.therapist, instrument=instrument, partner=partner, total=total,
                           on=datetime.date(2025, 9, day))

    one, two = couple("C-1"), couple("C-2")
    scores(one, "phq9", "a", 15, 5)  # recovered
    scores(one, "phq9", "b", 20, 12)  # reliably improved, still a case
    scores(two, "phq9", "a", 8, 1)  # improved, never a case: not in the denominator
    scores(two, "gad7", "a", 12, 6)  # recovered
    report = build_practice_report(practice=cast.practice, month=month, now=now)
    rows = {row.instrument: row for row in report.outcomes}
    assert set(rows) == {"phq9", "gad7", "csi16", "csi4"}
    assert (rows["phq9"].partners_at_caseness, rows["phq9"].partners_recovered, rows["phq9"].recovery_share) == (
        2, 1, "50%")
    assert (rows["gad7"].partners_recovered, rows["gad7"].recovery_share) == (1, "100%")
    assert rows["csi4"].recovery_share == "—" and rows["csi4"].cutoff == 13.5
    text = report_csv(report, generated_by="test").decode("utf-8-sig")
    assert "Recovery rate" in text and "Partners in the clinical range at first score" in text
