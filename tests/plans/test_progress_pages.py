"""The progress tab: objectives of the current plan with chart (baseline and target lines) and values,
empty states, manual values, who may do what, and query counts."""

from __future__ import annotations

import datetime
import re
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from keys import keyring
from plans.models import ProgressPoint
from tests.plans.cbt_factories import ProgressPointFactory, days_ago, make_objective, make_plan

pytestmark = pytest.mark.django_db


def progress_url(couple):
    return reverse("plans:progress", args=[couple.pk])


def add_url(couple):
    return reverse("plans:progress-point-add", args=[couple.pk])


def point(objective, *, value, days, source="manual", note=""):
    return ProgressPointFactory(couple_id=objective.couple_id, objective_lineage=objective.lineage,
                                value=Decimal(value), recorded_on=days_ago(days), source=source, note=note)


@pytest.fixture
def objective(cast):
    plan = make_plan(cast.couple, by=cast.therapist)
    return make_objective(plan, text="Fewer checking episodes", metric="checking episodes", unit="per week",
                          baseline="12", target="2", who="a")


def test_therapist_sees_each_objective_with_chart_path_and_values(cast, login, objective):
    point(objective, value="10", days=20, source="log", note="8 of 10 logged urges not resisted this week")
    point(objective, value="6.5", days=6, source="session")
    response = login(cast.therapist).get(progress_url(cast.couple))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Couple {cast.couple.reference} · Progress" in html and 'aria-current="page">Progress' in html
    assert "Objective 1: Fewer checking episodes" in html
    assert "Partner A" in html and "In progress" in html
    assert re.search(r"12\s*→\s*6\.50.*?→\s*2", html, re.S)  # baseline → latest → target
    svg = html[html.index("<svg"):html.index("</svg>")]
    assert "Baseline (12)" in svg and "Target (2)" in svg
    assert 'stroke-dasharray="6 3"' in svg and 'stroke-dasharray="10 4"' in svg  # the two reference lines
    assert svg.count("<circle") >= 2 and "Recorded values" in svg
    table = html[html.index("<caption>Values of objective 1"):]
    assert table.index("Log") < table.index("Session")  # oldest first, with their source
    assert "8 of 10 logged urges not resisted this week" in table
    assert AuditEvent.objects.filter(action="progress.view", couple_id=cast.couple.pk).exists()


def test_y_range_covers_baseline_target_and_values(cast, login, objective):
    from plans.selectors.progress import objective_chart

    low = point(objective, value="0", days=3)
    high = point(objective, value="30", days=2)
    chart = objective_chart(1, objective, [low, high])
    assert chart.y_min <= 0 and chart.y_max >= 30
    assert chart.y_min == 0  # never below zero for counts
    chart = objective_chart(1, objective, [])
    assert chart.y_min <= 2 and chart.y_max >= 12
    assert [line.kind for line in chart.reference_lines] == ["baseline", "target"]
    assert [s.style for s in chart.series] == ["objective"]


def test_an_objective_without_baseline_or_target_yet_still_has_a_chart(cast, login):
    from plans.selectors.progress import objective_chart

    draft = make_plan(cast.couple, by=cast.therapist, status="draft")
    unset = make_objective(draft, text="Copied from the library")
    unset.baseline = unset.target = None
    unset.save()
    html = login(cast.therapist).get(progress_url(cast.couple)).content.decode()
    assert "baseline not set" in html and "target not set" in html and "<svg" in html
    chart = objective_chart(1, unset, [point(unset, value="5", days=1)])
    assert chart.reference_lines == () and chart.y_min <= 5 <= chart.y_max


def test_values_recorded_under_an_earlier_plan_version_are_included(cast, login, objective):
    old_plan = objective.goal.problem.plan
    point(objective, value="11", days=60)
    old_plan.status = "superseded"
    old_plan.save()
    new_plan = make_plan(cast.couple, by=cast.therapist, number=2, supersedes=old_plan)
    revised = make_objective(new_plan, text="Check less often (revised)", lineage=objective.lineage, target="1")
    point(revised, value="7", days=5)
    html = login(cast.therapist).get(progress_url(cast.couple)).content.decode()
    assert "Objective 1: Check less often (revised)" in html
    assert "Fewer checking episodes" not in html
    assert "version 2" in html
    table = html[html.index("<caption>Values of objective 1"):]
    assert "11" in table and "7" in table
    assert "Target (1)" in html


def test_draft_plan_is_used_when_there_is_no_active_plan_and_the_page_says_so(cast, login):
    draft = make_plan(cast.couple, by=cast.therapist, status="draft")
    make_objective(draft, text="Listen without interrupting")
    html = login(cast.therapist).get(progress_url(cast.couple)).content.decode()
    assert "Draft plan." in html and "Objective 1: Listen without interrupting" in html
    assert "No values recorded yet." in html


def test_active_plan_wins_over_a_draft_revision(cast, login, objective):
    draft = make_plan(cast.couple, by=cast.therapist, status="draft", number=2)
    make_objective(draft, text="Draft-only objective")
    html = login(cast.therapist).get(progress_url(cast.couple)).content.decode()
    assert "Fewer checking episodes" in html and "Draft-only objective" not in html
    assert "Draft plan." not in html


def test_empty_states(cast, login):
    client = login(cast.therapist)
    html = client.get(progress_url(cast.couple)).content.decode()
    assert "No treatment plan yet" in html and reverse("plans:plan-detail", args=[cast.couple.pk]) in html
    make_plan(cast.couple, by=cast.therapist)
    html = client.get(progress_url(cast.couple)).content.decode()
    assert "No objectives yet" in html
    assert "No objectives to add a value to" in client.get(add_url(cast.couple)).content.decode()


def test_supervisor_reads_without_add_links(cast, login, objective):
    html = login(cast.supervisor).get(progress_url(cast.couple)).content.decode()
    assert "Objective 1: Fewer checking episodes" in html
    assert add_url(cast.couple) not in html


@pytest.mark.parametrize(("role", "status"), [("stranger", 404), ("outsider", 404), ("manager", 403), ("admin", 403)])
def test_others_cannot_see_progress(cast, login, objective, role, status):
    assert login(getattr(cast, role)).get(progress_url(cast.couple)).status_code == status


def test_script_in_objective_and_note_is_escaped(cast, login):
    plan = make_plan(cast.couple, by=cast.therapist)
    evil = make_objective(plan, text="<script>alert(1)</script>", metric="<b>episodes</b>")
    point(evil, value="3", days=2, note="<img src=x onerror=alert(2)>")
    html = login(cast.therapist).get(progress_url(cast.couple)).content.decode()
    assert "<script>alert(1)" not in html and "<img src=x" not in html and "<b>episodes" not in html
    assert "&lt;script&gt;alert(1)" in html and "&lt;img src=x" in html


# --- Adding a value -------------------------------------------------------------------------------


def test_therapist_can_add_a_value(cast, login, objective):
    client = login(cast.co_therapist)
    form = client.get(add_url(cast.couple) + f"?objective={objective.lineage}").content.decode()
    assert f'<option value="{objective.lineage}" selected>' in form
    response = client.post(add_url(cast.couple), {
        "objective": str(objective.lineage), "recorded_on": days_ago(1).isoformat(), "value": "4.5",
        "note": "Counted from their shared diary.",
    })
    assert response.status_code == 302
    assert response["Location"] == f"{progress_url(cast.couple)}#objective-{objective.lineage}"
    saved = ProgressPoint.objects.get()
    assert (saved.value, saved.source, saved.recorded_by) == (Decimal("4.50"), "manual", cast.co_therapist)


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"recorded_on": (timezone.localdate() + datetime.timedelta(days=1)).isoformat()}, "recorded_on",
     "The date cannot be in the future."),
    ({"value": "lots"}, "value", "Give the value as a number"),
    ({"value": "1.234"}, "value", "Give the value as a number"),
    ({"value": ""}, "value", "Enter the value."),
    ({"objective": str(uuid.uuid4())}, "objective", "Choose one of this couple's objectives."),
])
def test_bad_values_are_refused_with_a_clear_message(cast, login, objective, data, field, message):
    post = {"objective": str(objective.lineage), "recorded_on": days_ago(1).isoformat(), "value": "3", "note": ""}
    post.update(data)
    response = login(cast.therapist).post(add_url(cast.couple), post)
    assert response.status_code == 400
    assert response.context["form"].errors[field][0].startswith(message)
    assert 'class="error-summary"' in response.content.decode()
    assert not ProgressPoint.objects.exists()


@pytest.mark.parametrize("role", ["supervisor", "stranger", "outsider"])
def test_only_the_care_team_can_add_values(cast, login, objective, role):
    response = login(getattr(cast, role)).post(add_url(cast.couple), {
        "objective": str(objective.lineage), "recorded_on": days_ago(1).isoformat(), "value": "3",
    })
    assert response.status_code == 404
    assert not ProgressPoint.objects.exists()


# --- Query counts ---------------------------------------------------------------------------------


def _count(client, url) -> int:
    keyring.clear_cache()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.django_db(transaction=True)
def test_progress_query_count_does_not_grow_with_objectives_or_points(cast, login, django_assert_max_num_queries):
    client = login(cast.therapist)
    plan = make_plan(cast.couple, by=cast.therapist)
    first = make_objective(plan, position=0)
    for days in (14, 7):
        point(first, value="9", days=days, note="Counted.")
    small = _count(client, progress_url(cast.couple))
    objectives = [first] + [make_objective(plan, text=f"Objective text {n}", position=n) for n in range(1, 8)]
    for n in range(48):
        point(objectives[n % 8], value=str(n % 12), days=100 - n, note="Counted.")
    keyring.clear_cache()
    # session, user, OTP device; couple, partners, clients, care team; the audit event (BEGIN, last hash,
    # INSERT, COMMIT); plan, objectives, points; the couple's data key; the practice's data key (the partners'
    # names in the heading); may-I-edit; the session's save (21 on SQLite, 22 on PostgreSQL).
    with django_assert_max_num_queries(small):
        response = client.get(progress_url(cast.couple))
    html = response.content.decode()
    assert html.count("<svg") == 8 and html.count("<caption>Values of objective") == 8
    assert small <= 22, small
