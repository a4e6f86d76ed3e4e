"""The review queue in a supervisor's navigation: a count, how long the oldest has waited, and open risks."""

from __future__ import annotations

import datetime
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.models import Risk, RiskKind, RiskSource
from notes.models import ProgressNote
from tests.notes.note_factories import SessionFactory, signed_note

pytestmark = pytest.mark.django_db


def _nav(html: str) -> str:
    return re.search(r'<nav aria-label="Main">(.*?)</nav>', html, re.S).group(1)


def _awaiting(cast, days_ago: int) -> ProgressNote:
    return signed_note(session=SessionFactory(couple=cast.couple, therapist=cast.therapist),
                       signed_at=timezone.now() - datetime.timedelta(days=days_ago))


def test_a_supervisor_sees_the_queue_in_the_navigation_with_its_count_and_age(cast, login):
    _awaiting(cast, 9)
    _awaiting(cast, 1)
    nav = unescape(_nav(login(cast.supervisor).get(reverse("notes:therapist-home")).content.decode()))
    assert reverse("notes:review-queue") in nav
    assert '<span class="nav-count"' in nav and ">2<" in nav
    assert "awaiting co-signature, oldest 9 days" in nav


def test_an_open_risk_in_a_queued_case_turns_the_count_red_and_is_flagged_in_the_queue(cast, login):
    _awaiting(cast, 3)
    Risk.objects.create(couple=cast.couple, kind=RiskKind.SUICIDE, source=RiskSource.NOTE, partner="a")
    client = login(cast.supervisor)
    html = unescape(client.get(reverse("notes:review-queue")).content.decode())
    nav = _nav(html)
    assert '<span class="nav-count danger"' in nav and "1 with an open risk" in nav
    assert 'aria-current="page">Review queue' in nav
    assert "3 days" in html and "Open risk" in html
    assert reverse("clinic:risk-register", args=[cast.couple.pk]) in html


def test_an_empty_queue_shows_the_link_without_a_count(cast, login):
    nav = _nav(login(cast.supervisor).get(reverse("notes:therapist-home")).content.decode())
    assert reverse("notes:review-queue") in nav and "nav-count" not in nav


@pytest.mark.parametrize("role", ["therapist", "co_therapist", "manager", "admin"])
def test_nobody_else_has_the_queue_in_the_navigation(cast, login, role):
    user = getattr(cast, role)
    home = reverse("notes:therapist-home") if user.is_clinician else reverse("clinic:home")
    html = login(user).get(home, follow=True).content.decode()
    assert reverse("notes:review-queue") not in _nav(html)


def test_a_note_signed_yesterday_evening_has_waited_one_day_not_today(cast, login):
    from rapport.locale import day_start

    yesterday_late = day_start(timezone.localdate()) - datetime.timedelta(hours=1)  # 23:00 yesterday, local time
    signed_note(session=SessionFactory(couple=cast.couple, therapist=cast.therapist), signed_at=yesterday_late)
    html = unescape(login(cast.supervisor).get(reverse("notes:review-queue")).content.decode())
    row = html.split("<tbody>")[1].split("</tbody>")[0]
    assert "1 day" in row and "Today" not in row
