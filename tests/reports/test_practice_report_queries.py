"""The practice report costs the same number of queries for 3 couples as for 30 (sessions, notes, plans,
measures and care teams all grow with them)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reports.builders.practice import build_practice_report
from reports.selectors.practice import Month
from tests.reports.practice_report_factories import MONTH, NOW, seed_couple

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _cast_couple_starts_today(cast):
    """The cast couple starts today (after the report's month), as these counts expect; the factory's default
    start is 2020 (tests/factories.py)."""
    cast.couple.start_date = timezone.localdate()
    cast.couple.save(update_fields=["start_date"])

BUILDER_QUERIES = 14  # staff, couples, care teams, sessions, administrations, practice instruments, late entries,
#                       overdue reviews, schedules, couples with sessions, outcome scores, risk counts, notes for
#                       co-signature (supervision), couples' start and end dates (caseload flow)
# Plus the signed-in session, the user, their second factor and practice, and the session's save (savepoint,
# update, release) that keeps the idle timeout moving, and the couples left without a primary therapist (the alert).
PAGE_QUERIES = 2 * BUILDER_QUERIES + 1 + 8  # the page builds the previous period too, to compare, and the trend


def _grow(cast, count: int, start: int = 0) -> None:
    for index in range(start, start + count):
        therapist = (cast.therapist, cast.stranger, cast.co_therapist)[index % 3]
        seed_couple(cast.practice, therapist, index + 1, co_therapist=cast.supervisor if index % 2 else None)


def _count(callable_) -> int:
    with CaptureQueriesContext(connection) as queries:
        callable_()
    return len(queries)


def test_builder_query_count_does_not_grow_with_the_practice(cast, django_assert_max_num_queries):
    def build():
        return build_practice_report(practice=cast.practice, month=Month(MONTH), now=NOW)

    _grow(cast, 3)
    with django_assert_max_num_queries(BUILDER_QUERIES):
        small = build()
    small_count = _count(build)
    _grow(cast, 27, start=3)
    with django_assert_max_num_queries(BUILDER_QUERIES):
        large = build()
    assert _count(build) == small_count
    assert (small.couples_in_treatment, large.couples_in_treatment) == (3, 30)
    assert (small.sessions_held, large.sessions_held) == (9, 90)
    assert (len(small.overdue_reviews), len(large.overdue_reviews)) == (3, 30)


def test_page_query_count_does_not_grow_with_the_practice(cast, login, django_assert_max_num_queries):
    client = login(cast.manager)
    url = "/practice/reports/?month=2025-09"
    _grow(cast, 3)
    client.get(url)  # warm-up: the session and the second factor are loaded and cached alike for both sizes
    with django_assert_max_num_queries(PAGE_QUERIES):
        assert client.get(url).status_code == 200
    small = _count(lambda: client.get(url))
    _grow(cast, 27, start=3)
    with django_assert_max_num_queries(PAGE_QUERIES):
        response = client.get(url)
    assert response.status_code == 200 and "C-2025-0030" in response.content.decode()
    assert _count(lambda: client.get(url)) == small
