"""The calendar page (week and day), recurring sessions through the session pages, cancelling and ending a
series from the edit page."""

from __future__ import annotations

import datetime
from html import escape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clinic.selectors.names import couple_names_for
from keys import keyring
from notes.models import Attendance, Session, SessionSeries
from notes.selectors.agenda import first_weekday, week_start
from notes.services.series import series_create
from notes.services.sessions import session_update
from tests.factories import CoupleFactory
from tests.notes.note_factories import NoteFactory, SessionFactory, screen_partners, signed_note

pytestmark = pytest.mark.django_db
CALENDAR = reverse("notes:calendar")


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def this_monday() -> datetime.date:
    return week_start(timezone.localdate(), 0)


def page(client, url=CALENDAR, status=200, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == status, response.status_code
    return response.content.decode()


# --- The week -------------------------------------------------------------------------------------------


def test_the_week_lists_my_sessions_with_name_kind_attendance_and_note_status(cast, login):
    monday = this_monday()
    attended = SessionFactory(couple=cast.couple, therapist=cast.therapist, starts_at=at(monday, 9))
    NoteFactory(session=attended)
    SessionFactory(couple=cast.couple, therapist=cast.therapist, starts_at=at(monday + datetime.timedelta(days=2), 14),
                   kind="individual_a", attendance="cancelled", service_code="")
    SessionFactory(couple=cast.couple, therapist=cast.co_therapist, starts_at=at(monday, 11))  # not mine
    SessionFactory(couple=cast.couple, therapist=cast.therapist, starts_at=at(monday + datetime.timedelta(days=7), 9))
    body = page(login(cast.therapist), date=monday.isoformat())
    name = couple_names_for(cast.therapist, [cast.couple.pk])[cast.couple.pk]
    assert body.count('class="calendar-entry ') == 2
    assert "09:00–09:50" in body and "14:00–14:50" in body and "11:00" not in body
    assert f"{cast.couple.reference} <span class=\"couple-name\">· {escape(name)}</span>" in body
    assert "Joint session" in body and "Individual session, partner A" in body
    assert "Note: Draft" in body and "Cancelled" in body
    assert reverse("notes:note-edit", args=[attended.pk]) in body
    assert 'aria-current="page">Calendar</a>' in body


def test_a_scheduled_session_opens_its_edit_page_and_a_signed_one_its_note(cast, login):
    monday = this_monday()
    scheduled = SessionFactory(couple=cast.couple, therapist=cast.therapist, starts_at=at(monday, 9),
                               attendance="scheduled")
    signed = signed_note(session=SessionFactory(couple=cast.couple, therapist=cast.therapist,
                                                starts_at=at(monday, 12)))
    body = page(login(cast.therapist), date=monday.isoformat())
    assert reverse("notes:session-edit", args=[scheduled.pk]) in body
    assert reverse("notes:note-edit", args=[signed.session_id]) in body
    # The editor sends a signed note's reader on to the note itself.
    response = login(cast.therapist).get(reverse("notes:note-edit", args=[signed.session_id]))
    assert response.status_code == 302 and response["Location"] == reverse("notes:note-detail", args=[signed.pk])


def test_the_week_starts_on_the_practices_first_weekday(cast, login):
    cast.practice.language = "en-us"
    cast.practice.save()
    wednesday = this_monday() + datetime.timedelta(days=2)
    body = page(login(cast.therapist), date=wednesday.isoformat())
    sunday = this_monday() - datetime.timedelta(days=1)
    assert f'id="day-{sunday.isoformat()}"' in body
    assert first_weekday() in (0, 6)


def test_the_day_view_shows_one_day_and_navigates_by_day(cast, login):
    monday = this_monday()
    SessionFactory(couple=cast.couple, therapist=cast.therapist, starts_at=at(monday, 9))
    SessionFactory(couple=cast.couple, therapist=cast.therapist, starts_at=at(monday + datetime.timedelta(days=1), 9))
    body = page(login(cast.therapist), date=monday.isoformat(), view="day")
    assert body.count('class="calendar-entry ') == 1
    assert f"?date={(monday - datetime.timedelta(days=1)).isoformat()}&amp;view=day" in body
    assert f"?date={(monday + datetime.timedelta(days=1)).isoformat()}&amp;view=day" in body


def test_times_are_in_the_practices_time_zone(cast, login):
    cast.practice.time_zone = "America/New_York"
    cast.practice.save()
    import zoneinfo
    new_york = zoneinfo.ZoneInfo("America/New_York")
    day = datetime.date(2027, 1, 13)
    SessionFactory(couple=cast.couple, therapist=cast.therapist, attendance="scheduled",
                   starts_at=datetime.datetime(2027, 1, 13, 15, 0, tzinfo=new_york))
    body = page(login(cast.therapist), date=day.isoformat(), view="day")
    assert "15:00–15:50" in body  # 20:00 UTC


@pytest.mark.parametrize("params", [{"date": "2026-13-45"}, {"view": "month"}])
def test_bad_parameters_answer_400_with_the_current_week_and_the_error(cast, login, params):
    body = page(login(cast.therapist), status=400, **params)
    assert "There is a problem" in body and 'class="calendar calendar-week"' in body


@pytest.mark.parametrize("params", [{"date": "9999-12-31"}, {"date": "0001-01-01", "view": "day"},
                                    {"date": "1899-12-31"}, {"date": "2201-01-01", "view": "day"}])
def test_dates_outside_1900_to_2200_answer_400_not_500(cast, login, params):
    body = page(login(cast.therapist), status=400, **params)
    assert "Enter a date between the years 1900 and 2200." in body and 'class="calendar calendar-' in body


@pytest.mark.parametrize("params", [{"date": "1900-01-01"}, {"date": "2200-12-31"},
                                    {"date": "1900-01-01", "view": "day"}, {"date": "2200-12-31", "view": "day"}])
def test_the_first_and_last_days_of_the_range_show(cast, login, params):
    page(login(cast.therapist), **params)


def test_the_go_button_lines_up_with_the_date_input():
    """The date field's form margin (1rem) put "Go" ~14 px below the input in the calendar's nav."""
    from pathlib import Path

    css = (Path(__file__).resolve().parents[2] / "rapport/static/rapport/rapport.css").read_text()
    assert ".calendar-nav .inline-form .field { margin: 0; }" in css


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_managers_and_admins_get_no_calendar(cast, login, role):
    assert login(getattr(cast, role)).get(CALENDAR).status_code == 403


def test_a_couple_i_left_drops_out_of_my_calendar(cast, login):
    from clinic.services.couples import care_team_end

    monday = this_monday()
    SessionFactory(couple=cast.couple, therapist=cast.co_therapist, starts_at=at(monday, 9))
    care_team_end(member=cast.couple.care_team.get(user=cast.co_therapist), by=cast.therapist,
                  end_date=timezone.localdate() - datetime.timedelta(days=1))
    body = page(login(cast.co_therapist), date=monday.isoformat())
    assert 'class="calendar-entry ' not in body and cast.couple.reference not in body


def _fill_week(cast, couples: int) -> None:
    monday = this_monday()
    for index in range(couples):
        couple = CoupleFactory(practice=cast.practice, primary=cast.therapist)
        for day in range(3):
            session = SessionFactory(couple=couple, therapist=cast.therapist,
                                     starts_at=at(monday + datetime.timedelta(days=day), 8 + index % 10))
            if day == 0:
                NoteFactory(session=session)


def _count(client) -> int:
    keyring.clear_cache()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(CALENDAR, {"date": this_monday().isoformat()}).status_code == 200
    return len(queries)


def _queries(client):
    keyring.clear_cache()
    with CaptureQueriesContext(connection) as queries:
        client.get(CALENDAR, {"date": this_monday().isoformat()})
    return queries.captured_queries


@pytest.mark.django_db(transaction=True)  # keys made in an uncommitted transaction are never cached
def test_the_query_count_does_not_grow_with_the_number_of_sessions(cast, login):
    client = login(cast.therapist)
    _fill_week(cast, 2)
    small = _count(client)
    _fill_week(cast, 10)
    large = _count(client)
    body = client.get(CALENDAR, {"date": this_monday().isoformat()}).content.decode()
    assert body.count('class="calendar-entry ') == 36
    assert small == large, "\n".join(q["sql"][:160] for q in _queries(client))
    # session, user, OTP device; the sessions with couples and notes; the partners' names and the practice's
    # data key; the session's idle-time save (SAVEPOINT, UPDATE, RELEASE).
    assert small <= 9, small


# --- Recurring sessions through the session page ----------------------------------------------------------


def series_data(**overrides):
    monday = this_monday() + datetime.timedelta(days=7)
    data = {"date": monday.isoformat(), "time": "17:00", "duration_minutes": "50", "modality": "in_person",
            "kind": "joint", "attendance": "scheduled", "service_code": "", "repeat": "1", "repeat_count": "4",
            "repeat_until": ""}
    data.update(overrides)
    return data


def test_a_weekly_series_is_recorded_from_the_session_page(cast, login):
    screen_partners(cast.couple)
    response = login(cast.therapist).post(reverse("notes:session-create", args=[cast.couple.pk]), series_data())
    assert response.status_code == 302 and response["Location"].startswith(CALENDAR)
    series = SessionSeries.objects.get()
    assert series.sessions.count() == 4 and series.interval_weeks == 1


@pytest.mark.parametrize(("overrides", "message"), [
    ({"repeat_count": "", "repeat_until": ""}, "Give a last day or a number of sessions"),
    ({"repeat_count": "60"}, "from 2 to 52"),
    ({"repeat_count": "3", "repeat_until": "2030-01-01"}, "not both"),
    ({"repeat": "", "repeat_count": "3"}, "Choose how often"),
    ({"repeat_count": "", "repeat_until": "2020-01-01"}, "after the first session"),
    ({"repeat": "7"}, "every two weeks"),
])
def test_a_bad_repeat_answers_400_and_keeps_the_form(cast, login, overrides, message):
    screen_partners(cast.couple)
    response = login(cast.therapist).post(reverse("notes:session-create", args=[cast.couple.pk]),
                                          series_data(**overrides))
    body = response.content.decode().replace("&#x27;", "'")
    assert response.status_code == 400
    assert message in body and 'value="17:00"' in body and 'href="#id_repeat' in body
    assert not Session.objects.exists()


def test_a_joint_series_is_refused_without_ipv_screens(cast, login):
    response = login(cast.therapist).post(reverse("notes:session-create", args=[cast.couple.pk]), series_data())
    assert response.status_code == 400 and not Session.objects.exists()


def _series(cast, count=4):
    screen_partners(cast.couple)
    return series_create(couple=cast.couple, by=cast.therapist, starts_at=at(this_monday() + datetime.timedelta(7), 17),
                         interval_weeks=1, count=count, kind="joint")


def test_the_edit_page_offers_cancel_and_end_series(cast, login):
    series = _series(cast)
    second = series.sessions.order_by("starts_at")[1]
    body = page(login(cast.therapist), reverse("notes:session-edit", args=[second.pk]))
    assert "Every week, 4 sessions" in body.replace("every week", "Every week")
    assert reverse("notes:session-cancel", args=[second.pk]) in body
    assert "Cancel this and all following (3)" in body and "End the series now" in body
    # Both lead to a confirmation page (GET), never straight to a removal; the leave-link says what it does.
    assert f'<form method="get" action="{reverse("notes:series-end", args=[second.pk])}">' in body
    assert f'method="post" action="{reverse("notes:series-end", args=[second.pk])}"' not in body
    assert "Back without changes" in body and ">Cancel</a>" not in body


@pytest.mark.parametrize("scope", ["following", "future"])
def test_ending_a_series_asks_first_listing_what_goes_and_what_stays(cast, login, scope):
    series = _series(cast, count=5)
    sessions = list(series.sessions.order_by("starts_at"))
    session_update(session=sessions[3], by=cast.therapist, attendance=Attendance.CANCELLED)
    signed_note(session=sessions[4])
    url = reverse("notes:series-end", args=[sessions[2].pk])
    body = page(login(cast.therapist), url, scope=scope)
    assert Session.objects.filter(series=series).count() == 5  # nothing removed by looking
    removed = sessions[2:3] if scope == "following" else sessions[:3]
    removed_list = body.split('class="series-end-removed"')[1].split("</ul>")[0]
    kept_list = body.split('class="series-end-kept"')[1].split("</ul>")[0]
    for session in sessions:
        when = timezone.localtime(session.starts_at).strftime("%H:%M")
        day = f"{timezone.localtime(session.starts_at).day} "
        if session in removed:
            assert day in removed_list and when in removed_list
    assert removed_list.count("<li>") == len(removed)
    assert kept_list.count("<li>") == 2 and "cancelled" in kept_list and "has a note" in kept_list
    assert f"Remove these {len(removed)} session" in body and "Keep the series" in body
    assert reverse("notes:session-edit", args=[sessions[2].pk]) in body


def test_ending_the_series_returns_to_the_week_of_the_session(cast, login):
    series = _series(cast, count=4)
    sessions = list(series.sessions.order_by("starts_at"))
    client = login(cast.therapist)
    response = client.post(reverse("notes:series-end", args=[sessions[2].pk]), {"scope": "future"})
    day = timezone.localtime(sessions[2].starts_at).date().isoformat()
    assert response.status_code == 302 and response["Location"] == f"{CALENDAR}?date={day}"
    assert not Session.objects.filter(series=series).exists()
    assert "Series ended: 4 scheduled sessions removed." in client.get(response["Location"]).content.decode()


def test_confirming_removes_exactly_the_listed_sessions(cast, login):
    import re

    series = _series(cast, count=4)
    sessions = list(series.sessions.order_by("starts_at"))
    client = login(cast.therapist)
    url = reverse("notes:series-end", args=[sessions[1].pk])
    body = page(client, url, scope="following")
    listed = re.findall(r'name="sessions" value="([0-9a-f-]+)"', body)
    assert sorted(listed) == sorted(str(s.pk) for s in sessions[1:])
    # Someone cancels one of them before the button is pressed: nothing goes, the fresh list comes back (409).
    session_update(session=sessions[2], by=cast.therapist, attendance=Attendance.CANCELLED)
    response = client.post(url, {"scope": "following", "confirmed": "1", "sessions": listed})
    assert response.status_code == 409 and "changed since you looked" in response.content.decode()
    assert "Remove these 2 sessions" in response.content.decode()
    assert Session.objects.filter(series=series).count() == 4
    fresh = re.findall(r'name="sessions" value="([0-9a-f-]+)"', response.content.decode())
    response = client.post(url, {"scope": "following", "confirmed": "1", "sessions": fresh})
    assert response.status_code == 302
    assert list(Session.objects.filter(series=series).order_by("starts_at")) == [sessions[0], sessions[2]]


def test_the_confirmation_without_a_scope_is_400(cast, login):
    series = _series(cast)
    response = login(cast.therapist).get(reverse("notes:series-end", args=[series.sessions.first().pk]))
    assert response.status_code == 400 and series.sessions.count() == 4


def test_cancel_one_occurrence_from_the_page(cast, login):
    series = _series(cast)
    second = series.sessions.order_by("starts_at")[1]
    response = login(cast.therapist).post(reverse("notes:session-cancel", args=[second.pk]),
                                          {"version": second.version})
    assert response.status_code == 302
    assert Session.objects.get(pk=second.pk).attendance == Attendance.CANCELLED


def test_cancel_from_a_stale_page_answers_409(cast, login):
    series = _series(cast)
    second = series.sessions.order_by("starts_at")[1]
    session_update(session=second, by=cast.therapist, duration_minutes=60)
    response = login(cast.therapist).post(reverse("notes:session-cancel", args=[second.pk]),
                                          {"version": second.version})
    assert response.status_code == 409 and "was not cancelled" in response.content.decode()
    assert Session.objects.get(pk=second.pk).attendance == Attendance.SCHEDULED


def test_cancel_without_a_version_answers_400(cast, login):
    series = _series(cast)
    response = login(cast.therapist).post(reverse("notes:session-cancel", args=[series.sessions.first().pk]), {})
    assert response.status_code == 400


def test_cancel_this_and_following_from_the_page(cast, login):
    series = _series(cast, count=5)
    sessions = list(series.sessions.order_by("starts_at"))
    response = login(cast.therapist).post(reverse("notes:series-end", args=[sessions[2].pk]), {"scope": "following"})
    assert response.status_code == 302
    assert list(Session.objects.filter(series=series).order_by("starts_at")) == sessions[:2]


def test_end_series_with_a_bad_scope_answers_400(cast, login):
    series = _series(cast)
    response = login(cast.therapist).post(reverse("notes:series-end", args=[series.sessions.first().pk]),
                                          {"scope": "everything"})
    assert response.status_code == 400 and series.sessions.count() == 4


def test_end_series_of_a_single_session_is_404(cast, login):
    single = SessionFactory(couple=cast.couple, therapist=cast.therapist)
    response = login(cast.therapist).post(reverse("notes:series-end", args=[single.pk]), {"scope": "future"})
    assert response.status_code == 404
