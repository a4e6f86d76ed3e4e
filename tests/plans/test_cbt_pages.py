"""The "Between sessions" tab: who sees and changes what, the forms and their messages, conflicts,
escaping, and query counts."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from keys import keyring
from plans.models import BehaviouralExperiment, CheckingLogEntry, Homework, ProgressPoint, ThoughtRecord
from tests.factories import CoupleFactory
from tests.plans.cbt_factories import (
    CheckingLogFactory,
    ExperimentFactory,
    HomeworkFactory,
    ThoughtRecordFactory,
    days_ago,
    make_objective,
    make_plan,
)

pytestmark = pytest.mark.django_db

TOMORROW = timezone.localdate() + datetime.timedelta(days=1)


def overview_url(couple):
    return reverse("plans:cbt", args=[couple.pk])


def create_url(couple, kind):
    return reverse("plans:cbt-create", args=[couple.pk, kind])


def edit_url(record, kind):
    return reverse("plans:cbt-edit", args=[record.couple_id, kind, record.pk])


def thought_post(**overrides):
    data = {
        "partner": "a", "occurred_on": days_ago(1).isoformat(), "situation": "Partner was on the phone at midnight.",
        "mood_1": "anxious", "mood_1_before": "80", "mood_1_after": "35",
        "mood_2": "angry", "mood_2_before": "50", "mood_2_after": "",
        "mood_3": "", "mood_3_before": "", "mood_3_after": "",
        "automatic_thought": "They are talking to someone behind my back.",
        "evidence_for": "", "evidence_against": "It was their sister in another time zone.",
        "balanced_thought": "A late call is not a secret.", "balanced_belief": "70",
        "distortions": ["mind_reading", "magnification"],
    }
    data.update(overrides)
    return data


@pytest.fixture
def work(cast):
    """One record of each kind for the cast's couple."""
    by = {"couple": cast.couple, "created_by": cast.therapist}
    return {
        "thought-record": ThoughtRecordFactory(**by),
        "experiment": ExperimentFactory(**by),
        "checking": CheckingLogFactory(**by),
        "homework": HomeworkFactory(**by),
    }


# --- The tab --------------------------------------------------------------------------------------


def test_therapist_can_see_the_work_grouped_by_partner_newest_first(cast, login, work):
    ThoughtRecordFactory(couple=cast.couple, created_by=cast.therapist, occurred_on=days_ago(30),
                         situation="An older situation.")
    response = login(cast.therapist).get(overview_url(cast.couple))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Couple {cast.couple.reference} · Between sessions" in html
    assert 'aria-current="page">Between sessions' in html
    section_a, section_b = html.index('id="partner-a"'), html.index('id="partner-b"')
    section_both = html.index('id="partner-both"')
    newer, older = html.index("came home an hour late"), html.index("An older situation.")
    assert section_a < newer < older < section_b
    assert section_b < html.index("she will be furious") < section_both  # the experiment is partner B's
    assert html.index("Ten minutes of listening") > section_both  # homework for both
    assert "Mind reading, Fortune telling" in html
    assert "anxious: 85 → 40" in html
    assert edit_url(work["checking"], "checking") in html
    event = AuditEvent.objects.get(action="cbt.view")
    assert event.couple_id == cast.couple.pk and event.actor_id == cast.therapist.pk


def test_supervisor_can_read_the_tab_but_gets_no_edit_links(cast, login, work):
    response = login(cast.supervisor).get(overview_url(cast.couple))
    html = response.content.decode()
    assert response.status_code == 200
    assert "came home an hour late" in html
    assert "You can read this work but not change it" in html
    assert create_url(cast.couple, "thought-record") not in html
    assert edit_url(work["thought-record"], "thought-record") not in html


def test_empty_tab_says_so(cast, login):
    html = login(cast.co_therapist).get(overview_url(cast.couple)).content.decode()
    assert "No thought records yet." in html and "No homework yet." in html
    assert f"{create_url(cast.couple, 'checking')}?partner=b" in html


@pytest.mark.parametrize(("role", "status"), [("stranger", 404), ("outsider", 404), ("manager", 403), ("admin", 403)])
def test_others_cannot_see_the_tab(cast, login, work, role, status):
    assert login(getattr(cast, role)).get(overview_url(cast.couple)).status_code == status


def test_anonymous_visitor_is_sent_to_sign_in(cast, client):
    response = client.get(overview_url(cast.couple))
    assert response.status_code == 302 and response["Location"].startswith(reverse("clinic:login"))


# --- Creating -------------------------------------------------------------------------------------


def test_therapist_can_record_a_thought_record(cast, login):
    client = login(cast.therapist)
    form = client.get(create_url(cast.couple, "thought-record") + "?partner=b").content.decode()
    assert 'value="b" selected' in form
    assert "Personalisation" in form and "Taking something as being about you" in form
    assert len(re.findall(r'name="mood_\d+"', form)) == 3 and 'for="id_mood_1_before"' in form
    response = client.post(create_url(cast.couple, "thought-record"), thought_post())
    assert response.status_code == 302
    assert response["Location"] == overview_url(cast.couple) + "#partner-a"
    record = ThoughtRecord.objects.get()
    assert record.moods == [{"mood": "anxious", "before": 80, "after": 35}, {"mood": "angry", "before": 50,
                                                                             "after": None}]
    assert record.distortions == ["mind_reading", "magnification"] and record.balanced_belief == 70
    assert record.created_by == cast.therapist


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"balanced_belief": "101"}, "balanced_belief", "Give a rating from 0 to 100."),
    ({"mood_1_before": "-3"}, "mood_1_before", "Give a rating from 0 to 100."),
    ({"mood_2_after": "150"}, "mood_2_after", "Give a rating from 0 to 100."),
    ({"mood_1_before": ""}, "mood_1_before", "Rate how strong the mood was before, from 0 to 100."),
    ({"mood_1": ""}, "mood_1", "Name the mood you rated."),
    ({"mood_1": "", "mood_1_before": "", "mood_1_after": "", "mood_2": "", "mood_2_before": ""},
     "mood_1", "Name at least one mood and rate how strong it was (0 to 100)."),
    ({"occurred_on": TOMORROW.isoformat()}, "occurred_on", "The date of the situation cannot be in the future."),
    ({"occurred_on": "31/02/2026"}, "occurred_on", "Enter the date of the situation as a real date"),
    ({"distortions": ["mind_reading", "crystal_ball"]}, "distortions", "Choose distortions from the list."),
    ({"situation": ""}, "situation", "Describe the situation."),
    ({"automatic_thought": "y" * 2001}, "automatic_thought", "Use at most 2,000 characters."),
])
def test_thought_record_errors_are_shown_at_the_field_and_in_the_summary(cast, login, overrides, field, message):
    response = login(cast.therapist).post(create_url(cast.couple, "thought-record"), thought_post(**overrides))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert response.context["form"].errors[field][0].startswith(message)
    assert html.count(message) >= 2  # next to the field and in the summary
    assert not ThoughtRecord.objects.exists()


def test_therapist_can_record_an_experiment_and_homework(cast, login):
    client = login(cast.co_therapist)
    response = client.post(create_url(cast.couple, "experiment"), {
        "partner": "b", "planned_on": days_ago(2).isoformat(), "prediction": "He will sulk if I see friends.",
        "belief_before": "75", "experiment": "Saw friends on Friday.", "outcome": "He cooked dinner.",
        "belief_after": "15", "learned": "He can cope.",
    })
    assert response.status_code == 302, response.context["form"].errors
    experiment = BehaviouralExperiment.objects.get()
    assert (experiment.belief_before, experiment.belief_after) == (75, 15)
    response = client.post(create_url(cast.couple, "homework"), {
        "partner": "both", "assigned_on": days_ago(1).isoformat(), "due_on": (days_ago(-6)).isoformat(),
        "description": "Agree one boundary about phones.", "status": "assigned", "reviewed_on": "", "review_note": "",
    })
    assert response.status_code == 302
    assert Homework.objects.get().partner == "both"


def test_an_experiment_with_an_outcome_cannot_be_dated_in_the_future(cast, login):
    response = login(cast.therapist).post(create_url(cast.couple, "experiment"), {
        "partner": "a", "planned_on": TOMORROW.isoformat(), "prediction": "It will go badly.", "belief_before": "60",
        "outcome": "It went fine.",
    })
    assert response.status_code == 200
    assert "cannot be in the future" in response.context["form"].errors["planned_on"][0]


def test_homework_due_before_it_was_set_is_refused(cast, login):
    response = login(cast.therapist).post(create_url(cast.couple, "homework"), {
        "partner": "a", "assigned_on": days_ago(1).isoformat(), "due_on": days_ago(4).isoformat(),
        "description": "Read the chapter.", "status": "assigned",
    })
    assert response.status_code == 200
    assert response.context["form"].errors["due_on"] == ["The due date cannot be before the date it was set."]


def test_log_entry_form_defaults_to_the_checking_objective_and_feeds_it(cast, login):
    plan = make_plan(cast.couple, by=cast.therapist)
    make_objective(plan, text="Say what I need", metric="requests made", position=0)
    checking = make_objective(plan, text="Check less", metric="Phone checking episodes", position=1)
    client = login(cast.therapist)
    form = client.get(create_url(cast.couple, "checking")).content.decode()
    assert f'<option value="{checking.lineage}" selected>' in form
    response = client.post(create_url(cast.couple, "checking"), {
        "partner": "a", "occurred_on": days_ago(0).isoformat(), "kind": "checking", "trigger": "Late reply.",
        "resisted": "no", "objective_lineage": str(checking.lineage),
    })
    assert response.status_code == 302
    entry = CheckingLogEntry.objects.get()
    assert entry.resisted is False and entry.objective_lineage == checking.lineage
    assert ProgressPoint.objects.get().value == Decimal("1")


def test_log_entry_requires_an_answer_about_resisting(cast, login):
    response = login(cast.therapist).post(create_url(cast.couple, "checking"), {
        "partner": "a", "occurred_on": days_ago(0).isoformat(), "kind": "checking", "resisted": "",
    })
    assert response.status_code == 200
    assert response.context["form"].errors["resisted"] == ["Say whether the urge was resisted."]


def test_log_entry_cannot_feed_an_objective_of_another_couple(cast, login):
    elsewhere = CoupleFactory(practice=cast.practice, primary=cast.therapist)
    foreign = make_objective(make_plan(elsewhere, by=cast.therapist))
    response = login(cast.therapist).post(create_url(cast.couple, "checking"), {
        "partner": "a", "occurred_on": days_ago(0).isoformat(), "kind": "checking", "resisted": "no",
        "objective_lineage": str(foreign.lineage),
    })
    assert response.status_code == 200
    assert response.context["form"].errors["objective_lineage"] == ["Choose one of this couple's objectives."]
    assert not CheckingLogEntry.objects.exists()


def test_an_unknown_kind_is_not_found(cast, login, work):
    client = login(cast.therapist)
    assert client.get(create_url(cast.couple, "dream-diary")).status_code == 404
    assert client.get(reverse("plans:cbt-edit", args=[cast.couple.pk, "dream-diary",
                                                      work["checking"].pk])).status_code == 404
    # A record under another kind's URL is not found either.
    assert client.get(reverse("plans:cbt-edit", args=[cast.couple.pk, "homework",
                                                      work["checking"].pk])).status_code == 404


@pytest.mark.parametrize("role", ["supervisor", "stranger", "outsider"])
def test_only_the_care_team_can_record(cast, login, role):
    client = login(getattr(cast, role))
    assert client.get(create_url(cast.couple, "thought-record")).status_code == 404
    assert client.post(create_url(cast.couple, "thought-record"), thought_post()).status_code == 404
    assert not ThoughtRecord.objects.exists()


# --- Editing --------------------------------------------------------------------------------------


def test_co_therapist_can_edit_a_thought_record(cast, login, work):
    record = work["thought-record"]
    client = login(cast.co_therapist)
    form = client.get(edit_url(record, "thought-record")).content.decode()
    assert 'value="anxious"' in form and 'name="version" value="1"' in form
    assert len(re.findall(r'name="mood_\d+"', form)) == 3  # the record's mood, then empty rows up to three
    checked = set(re.findall(r'<input type="checkbox" name="distortions" value="(\w+)"[^>]* checked>', form))
    assert checked == {"mind_reading", "fortune_telling"}
    response = client.post(edit_url(record, "thought-record"),
                           thought_post(version="1", situation="Edited situation."))
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.situation == "Edited situation." and record.version == 2


def test_a_stale_edit_is_refused_with_both_versions_shown(cast, login, work):
    record = work["thought-record"]
    client = login(cast.therapist)
    client.post(edit_url(record, "thought-record"), thought_post(version="1", situation="Saved by colleague."))
    response = client.post(edit_url(record, "thought-record"), thought_post(version="1", situation="My own text."))
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else saved this record while you were editing" in html
    assert "Saved by colleague." in html and "My own text." in html
    assert 'name="version" value="2"' in html
    record.refresh_from_db()
    assert record.situation == "Saved by colleague."
    # Saving again, deliberately, on the new version goes through.
    response = client.post(edit_url(record, "thought-record"), thought_post(version="2", situation="My own text."))
    assert response.status_code == 302


def test_a_stale_log_edit_shows_the_differences_in_words(cast, login):
    plan = make_plan(cast.couple, by=cast.therapist)
    objective = make_objective(plan)
    entry = CheckingLogFactory(couple=cast.couple, created_by=cast.therapist, objective_lineage=objective.lineage,
                               resisted=False)
    client = login(cast.co_therapist)
    post = {"partner": "a", "occurred_on": entry.occurred_on.isoformat(), "kind": "checking",
            "trigger": entry.trigger, "objective_lineage": str(objective.lineage)}
    assert client.post(edit_url(entry, "checking"), {**post, "version": "1", "resisted": "yes"}).status_code == 302
    response = client.post(edit_url(entry, "checking"), {**post, "version": "1", "resisted": "no",
                                                         "kind": "reassurance"})
    assert response.status_code == 409
    rows = {row["label"]: (row["saved"], row["yours"]) for row in response.context["differences"]}
    assert rows == {"Was the urge resisted?": ("Yes", "No"), "Kind": ("Checking (phone, location, messages...)",
                                                                       "Reassurance seeking")}


def test_a_log_entry_keeps_an_objective_dropped_from_the_current_plan(cast, login):
    old_plan = make_plan(cast.couple, by=cast.therapist, status="superseded")
    dropped = make_objective(old_plan, text="An objective no longer in the plan")
    new_plan = make_plan(cast.couple, by=cast.therapist, number=2, supersedes=old_plan)
    current = make_objective(new_plan, text="Current checking objective")
    entry = CheckingLogFactory(couple=cast.couple, created_by=cast.therapist, objective_lineage=dropped.lineage)
    form = login(cast.therapist).get(edit_url(entry, "checking")).content.decode()
    assert f'<option value="{dropped.lineage}" selected>An objective of an earlier plan version</option>' in form
    assert f'<option value="{current.lineage}">' in form
    assert AuditEvent.objects.filter(action="cbt.checking_log.view", object_id=str(entry.pk)).exists()


def test_an_edit_without_version_is_refused(cast, login, work):
    response = login(cast.therapist).post(edit_url(work["homework"], "homework"), {
        "partner": "both", "assigned_on": days_ago(7).isoformat(), "description": "X", "status": "completed",
    })
    assert response.status_code == 200
    assert "The form was incomplete" in response.content.decode()


def test_edit_changes_homework_status(cast, login, work):
    homework = work["homework"]
    response = login(cast.therapist).post(edit_url(homework, "homework"), {
        "version": "1", "partner": "both", "assigned_on": homework.assigned_on.isoformat(),
        "description": homework.description, "status": "completed", "review_note": "Done every evening.",
    })
    assert response.status_code == 302
    homework.refresh_from_db()
    assert homework.status == "completed" and homework.reviewed_on == timezone.localdate()


@pytest.mark.parametrize("role", ["supervisor", "stranger", "outsider"])
def test_only_the_care_team_can_edit(cast, login, work, role):
    client = login(getattr(cast, role))
    assert client.get(edit_url(work["experiment"], "experiment")).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", object_id=str(work["experiment"].pk)).exists()


def test_a_record_of_another_couple_is_not_found_under_this_couple(cast, login):
    elsewhere = CoupleFactory(practice=cast.practice, primary=cast.therapist)
    record = ThoughtRecordFactory(couple=elsewhere, created_by=cast.therapist)
    url = reverse("plans:cbt-edit", args=[cast.couple.pk, "thought-record", record.pk])
    assert login(cast.therapist).get(url).status_code == 404


def test_deleting_a_log_entry_needs_confirmation_and_recounts_its_week(cast, login):
    objective = make_objective(make_plan(cast.couple, by=cast.therapist))
    client = login(cast.therapist)
    for resisted in ("no", "no"):
        client.post(create_url(cast.couple, "checking"), {
            "partner": "a", "occurred_on": days_ago(0).isoformat(), "kind": "checking", "resisted": resisted,
            "objective_lineage": str(objective.lineage),
        })
    entry = CheckingLogEntry.objects.first()
    assert ProgressPoint.objects.get().value == Decimal("2")
    page = client.get(edit_url(entry, "checking")).content.decode()
    assert "Delete this entry" in page
    response = client.post(edit_url(entry, "checking"), {"delete": "1"})
    assert response.status_code == 200
    assert "Tick the box to confirm the deletion." in response.content.decode()
    response = client.post(edit_url(entry, "checking"), {"delete": "1", "confirm": "on"})
    assert response.status_code == 302
    assert CheckingLogEntry.objects.count() == 1
    assert ProgressPoint.objects.get().value == Decimal("1")


def test_other_kinds_cannot_be_deleted(cast, login, work):
    client = login(cast.therapist)
    assert "Delete this entry" not in client.get(edit_url(work["homework"], "homework")).content.decode()
    response = client.post(edit_url(work["homework"], "homework"), {"delete": "1", "confirm": "on"})
    assert response.status_code == 404
    assert Homework.objects.exists()


# --- Escaping -------------------------------------------------------------------------------------


def test_script_typed_into_a_thought_record_is_shown_as_text(cast, login):
    client = login(cast.therapist)
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    client.post(create_url(cast.couple, "thought-record"), thought_post(situation=attack, mood_1=attack[:60],
                                                                        automatic_thought=attack))
    record = ThoughtRecord.objects.get()
    assert record.situation == attack
    for url in (overview_url(cast.couple), edit_url(record, "thought-record")):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(" in html


# --- Query counts ---------------------------------------------------------------------------------


def _count(client, url) -> int:
    keyring.clear_cache()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.django_db(transaction=True)
def test_tab_query_count_does_not_grow_with_records(cast, login, django_assert_max_num_queries):
    client = login(cast.therapist)
    objective = make_objective(make_plan(cast.couple, by=cast.therapist))
    by = {"couple": cast.couple, "created_by": cast.therapist}
    ThoughtRecordFactory(**by)
    CheckingLogFactory(objective_lineage=objective.lineage, **by)
    small = _count(client, overview_url(cast.couple))
    for index in range(12):
        ThoughtRecordFactory(partner="ab"[index % 2], **by)
        ExperimentFactory(partner="ab"[index % 2], **by)
        CheckingLogFactory(objective_lineage=objective.lineage, **by)
        HomeworkFactory(partner=("a", "b", "both")[index % 3], **by)
    keyring.clear_cache()
    # session, user, OTP device; couple, partners, clients, care team with users; the audit event (BEGIN,
    # chain lock on PostgreSQL, last hash, INSERT, COMMIT); the practice's and the couple's data keys; one
    # query per kind of work and one for the objectives logs feed; may-I-edit; the session's idle-time save.
    with django_assert_max_num_queries(small):
        response = client.get(overview_url(cast.couple))
    assert response.content.decode().count("Thought record of") == 13
    assert small <= 24, small
