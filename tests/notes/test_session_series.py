"""Recurring sessions (notes.services.series): the rule, wall time across clock changes, until vs count,
one occurrence changed or cancelled, and ending a series without touching what happened or was documented."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from notes.models import Attendance, Session, SessionSeries
from notes.services.psychotherapy import private_note_create
from notes.services.series import (
    MAX_OCCURRENCES,
    occurrence_cancel,
    occurrence_starts,
    series_create,
    series_end,
)
from notes.services.sessions import IPV_SCREENS_MISSING, StaleVersion, session_update
from tests.notes.note_factories import NoteFactory, screen_partners

pytestmark = pytest.mark.django_db
LONDON = zoneinfo.ZoneInfo("Europe/London")


def london(day: datetime.date, hour: int = 17, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=LONDON)


def next_monday(weeks_ahead: int = 1) -> datetime.date:
    today = timezone.localdate()
    return today + datetime.timedelta(days=7 * weeks_ahead - today.weekday())


def make_series(cast, **overrides):
    screen_partners(cast.couple)
    fields = {"couple": cast.couple, "by": cast.therapist, "starts_at": london(next_monday()),
              "interval_weeks": 1, "count": 6, "kind": "joint", "attendance": Attendance.SCHEDULED}
    fields.update(overrides)
    return series_create(**fields)


def starts(series: SessionSeries) -> list[datetime.datetime]:
    return list(series.sessions.order_by("starts_at").values_list("starts_at", flat=True))


# --- The rule -------------------------------------------------------------------------------------------


def test_occurrences_keep_their_local_wall_time_across_the_clock_change():
    # The UK clocks go forward on 28 March 2027: 17:00 GMT is 17:00 UTC before, 16:00 UTC after.
    first = london(datetime.date(2027, 3, 16))
    found = occurrence_starts(first=first, zone=LONDON, interval_weeks=1, count=4)
    assert [moment.astimezone(LONDON).strftime("%Y-%m-%d %H:%M") for moment in found] == [
        "2027-03-16 17:00", "2027-03-23 17:00", "2027-03-30 17:00", "2027-04-06 17:00"]
    assert [moment.hour for moment in found] == [17, 17, 16, 16]  # UTC hours


def test_a_series_made_over_the_autumn_change_keeps_wall_time_in_the_database(cast, settings):
    cast.practice.time_zone = "America/New_York"
    cast.practice.save()
    new_york = zoneinfo.ZoneInfo("America/New_York")
    # US clocks go back on 7 November 2027.
    first = datetime.datetime(2027, 10, 27, 9, 30, tzinfo=new_york)
    series = make_series(cast, starts_at=first, count=3)
    local = [moment.astimezone(new_york) for moment in starts(series)]
    assert [(m.day, m.hour, m.minute) for m in local] == [(27, 9, 30), (3, 9, 30), (10, 9, 30)]
    assert series.time_zone == "America/New_York"


def test_until_includes_the_last_day_and_count_counts_occurrences():
    first = london(datetime.date(2027, 1, 4))
    until = occurrence_starts(first=first, zone=LONDON, interval_weeks=1, until=datetime.date(2027, 2, 1))
    assert len(until) == 5 and until[-1].date() == datetime.date(2027, 2, 1)
    counted = occurrence_starts(first=first, zone=LONDON, interval_weeks=1, count=3)
    assert len(counted) == 3


def test_fortnightly_occurrences_are_two_weeks_apart(cast):
    series = make_series(cast, interval_weeks=2, count=4)
    found = starts(series)
    assert [(b - a).days for a, b in zip(found, found[1:], strict=False)] == [14, 14, 14]
    assert series.rule_text == "Every two weeks, 4 sessions"


@pytest.mark.parametrize(("rule", "field"), [
    ({"count": 1}, "repeat_count"),
    ({"count": MAX_OCCURRENCES + 1}, "repeat_count"),
    ({"count": None, "until": None}, "repeat_until"),
    ({"count": 3, "until": datetime.date(2030, 1, 1)}, "repeat_until"),
    ({"count": None, "until": "before"}, "repeat_until"),
    ({"count": None, "until": "two years"}, "repeat_until"),
    ({"interval_weeks": 3}, "repeat"),
])
def test_a_bad_rule_is_refused_and_nothing_is_saved(cast, rule, field):
    if rule.get("until") == "before":
        rule["until"] = next_monday() - datetime.timedelta(days=1)
    elif rule.get("until") == "two years":
        rule["until"] = next_monday() + datetime.timedelta(days=7 * (MAX_OCCURRENCES + 5))
    with pytest.raises(ValidationError) as error:
        make_series(cast, **rule)
    assert field in error.value.message_dict
    assert not Session.objects.exists() and not SessionSeries.objects.exists()


def test_each_joint_occurrence_goes_through_the_ipv_gate(cast):
    with pytest.raises(ValidationError) as error:
        series_create(couple=cast.couple, by=cast.therapist, starts_at=london(next_monday()), interval_weeks=1,
                      count=4, kind="joint")
    assert error.value.message_dict["kind"] == [IPV_SCREENS_MISSING]
    assert not Session.objects.exists() and not SessionSeries.objects.exists()


def test_a_series_makes_ordinary_sessions_each_audited(cast):
    series = make_series(cast, count=5, attendance=Attendance.SCHEDULED)
    sessions = list(series.sessions.order_by("starts_at"))
    assert len(sessions) == 5
    assert {s.attendance for s in sessions} == {Attendance.SCHEDULED}
    assert {s.therapist_id for s in sessions} == {cast.therapist.pk}
    assert AuditEvent.objects.filter(action="session.create", couple_id=cast.couple.pk).count() == 5
    event = AuditEvent.objects.get(action="session_series.create")
    assert event.detail["occurrences"] == 5 and event.object_id == str(series.pk)


def test_only_the_first_occurrence_takes_the_attendance_given(cast):
    last_week = timezone.localdate() - datetime.timedelta(days=7)
    series = make_series(cast, starts_at=london(last_week, 9), attendance=Attendance.ATTENDED, count=3)
    attendance = list(series.sessions.order_by("starts_at").values_list("attendance", flat=True))
    assert attendance == [Attendance.ATTENDED, Attendance.SCHEDULED, Attendance.SCHEDULED]


# --- One occurrence -------------------------------------------------------------------------------------


def test_moving_one_occurrence_changes_that_session_only(cast):
    series = make_series(cast, count=4)
    first, second, *rest = series.sessions.order_by("starts_at")
    moved = session_update(session=second, by=cast.therapist, base_version=second.version,
                           starts_at=second.starts_at + datetime.timedelta(hours=2), kind="individual_a")
    assert moved.kind == "individual_a" and moved.series_id == series.pk
    others = Session.objects.filter(series=series).exclude(pk=second.pk)
    assert set(others.values_list("kind", flat=True)) == {"joint"}
    assert [s.starts_at for s in others.order_by("starts_at")] == [first.starts_at, *(s.starts_at for s in rest)]


def test_cancelling_one_occurrence_marks_it_cancelled_and_audits_it(cast):
    series = make_series(cast, count=3)
    target = series.sessions.order_by("starts_at")[1]
    cancelled = occurrence_cancel(session=target, by=cast.therapist, base_version=target.version)
    assert cancelled.attendance == Attendance.CANCELLED and cancelled.service_code == ""
    assert Session.objects.filter(series=series, attendance=Attendance.SCHEDULED).count() == 2
    assert AuditEvent.objects.filter(action="session.cancel", object_id=str(target.pk)).exists()


def test_cancelling_from_a_stale_page_is_refused(cast):
    series = make_series(cast, count=2)
    target = series.sessions.order_by("starts_at")[0]
    session_update(session=target, by=cast.therapist, duration_minutes=60)
    with pytest.raises(StaleVersion):
        occurrence_cancel(session=target, by=cast.therapist, base_version=target.version)
    assert Session.objects.get(pk=target.pk).attendance == Attendance.SCHEDULED


def test_a_session_with_a_note_cannot_be_cancelled(cast):
    last_week = timezone.localdate() - datetime.timedelta(days=7)
    series = make_series(cast, starts_at=london(last_week, 9), attendance=Attendance.ATTENDED, count=3)
    held = series.sessions.order_by("starts_at")[0]
    NoteFactory(session=held)
    with pytest.raises(ValidationError):
        occurrence_cancel(session=held, by=cast.therapist, base_version=held.version)


# --- Ending a series ------------------------------------------------------------------------------------


def test_ending_a_series_keeps_attended_cancelled_and_documented_sessions(cast):
    # 13 days ago, so the third occurrence is tomorrow morning: still to come whatever the time of day the test
    # runs (14 days ago put it at 09:00 today, in the past after 09:00).
    thirteen_days_ago = timezone.localdate() - datetime.timedelta(days=13)
    series = make_series(cast, starts_at=london(thirteen_days_ago, 9), attendance=Attendance.ATTENDED, count=8)
    held, past_scheduled, *future = series.sessions.order_by("starts_at")
    NoteFactory(session=held)
    occurrence_cancel(session=future[0], by=cast.therapist)
    private_note_create(couple=cast.couple, by=cast.therapist, text="Private reflection.", session=future[1])
    removed = series_end(series=series, by=cast.therapist)
    remaining = set(Session.objects.filter(series=series).values_list("pk", flat=True))
    # The 4 future, scheduled, undocumented sessions go; the held one, the past one still to record, the
    # cancelled one and the one with a private note stay.
    assert removed == len(future) - 2 == 4
    assert remaining == {held.pk, past_scheduled.pk, future[0].pk, future[1].pk}
    series.refresh_from_db()
    assert series.ended_at is not None
    event = AuditEvent.objects.get(action="session_series.end")
    assert len(event.detail["removed"]) == 4 and event.detail["kept"] == 2


def test_cancel_this_and_following_starts_at_the_chosen_occurrence(cast):
    series = make_series(cast, count=6)
    sessions = list(series.sessions.order_by("starts_at"))
    removed = series_end(series=series, by=cast.therapist, since=sessions[3].starts_at)
    assert removed == 3
    assert list(Session.objects.filter(series=series).order_by("starts_at")) == sessions[:3]


def test_series_end_with_expected_ids_removes_nothing_unless_they_match(cast):
    from notes.services.series import SeriesChanged

    series = make_series(cast, count=4)
    sessions = list(series.sessions.order_by("starts_at"))
    with pytest.raises(SeriesChanged):
        series_end(series=series, by=cast.therapist, since=sessions[1].starts_at, expected=[sessions[1].pk])
    assert series.sessions.count() == 4
    series.refresh_from_db()
    assert series.ended_at is None
    assert series_end(series=series, by=cast.therapist, since=sessions[1].starts_at,
                      expected=[str(s.pk) for s in sessions[1:]]) == 3
