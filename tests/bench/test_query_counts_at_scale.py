"""The benchmarked pages do the same number of SQL queries whatever the size of the practice: `make bench` counts
them at 100 and 5,000 couples (bench/queries.py); this test counts them the same way on two seed_scale practices
of different sizes, so a query per row (an N+1) fails here before it shows in the bench."""

from __future__ import annotations

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings

from bench.dataset import bench_therapist, targets, verified_session
from bench.queries import count_queries

PAGES = ("home", "couple", "notes_api", "calendar")


def seed(couples: int, *extra: str) -> None:
    """A scale practice of `couples` couples and 2 therapists."""
    with override_settings(DEBUG=True):  # seed_scale is a demo command
        call_command("seed_scale", "--therapists", "2", "--couples", str(couples), "--years", "1", "--seed", "11",
                     "--batch", "10", *extra, stdout=StringIO())


def count() -> tuple[dict[str, int], int]:
    """Each page's queries as the practice's first therapist, and how many notes that therapist wrote."""
    from notes.models import ProgressNote

    user = bench_therapist()
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = verified_session(user)
    paths = targets(user)["pages"]
    counts = {}
    for page in PAGES:
        result = count_queries(client, paths[page]["path"])
        assert result["status"] == 200, page
        counts[page] = result["queries"]
    visible = ProgressNote.objects.filter(author=user).count()
    return counts, visible


@pytest.mark.django_db
def test_query_counts_of_today_the_couple_page_the_notes_api_and_the_calendar_do_not_grow_with_the_practice(
        django_capture_on_commit_callbacks):
    # The data-key cache keeps only keys whose transaction committed (keys.keyring): run the commit callbacks, as
    # a running practice's keys are committed long before a page reads them.
    with django_capture_on_commit_callbacks(execute=True):
        seed(4)
    small, small_notes = count()
    with django_capture_on_commit_callbacks(execute=True):
        seed(16, "--replace")
    large, large_notes = count()

    assert large_notes > 50 > small_notes  # the large practice fills a whole API page, the small one does not
    assert large == small
