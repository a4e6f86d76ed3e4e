"""Permission matrix entries for the calendar, recurring sessions and the private iCalendar feed (notes app).

The calendar and the feed's settings are each clinician's own pages (therapists and supervisors, 403 for
managers and administrators, who see no clinical schedule). Cancelling a session and ending a series are writes
on the couple (therapist and co-therapist; the supervisor and strangers 404). The feed itself is public by
design: a valid token answers 200 to anyone (a calendar app cannot sign in), anything else 404.
"""

import datetime

from django.urls import reverse
from django.utils import timezone

from tests.security.matrix_common import (
    ALL_CLINICIANS,
    CLINICIANS_ON_CASE,
    STAFF_AND_ANONYMOUS,
    Probe,
    html_record,
    html_role_page,
)


def _series_session(c):
    """The second session of a weekly series of four, next week onwards (the therapist's)."""
    from notes.services.series import series_create
    from tests.notes.note_factories import screen_partners

    screen_partners(c.couple)
    start = timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(days=7)
    series = series_create(couple=c.couple, by=c.therapist, starts_at=start, interval_weeks=1, count=4)
    return series.sessions.order_by("starts_at")[1]


def _feed_token(c):
    from notes.services.calendar_feed import calendar_feed_issue

    return calendar_feed_issue(user=c.therapist)


ENTRIES: dict[str, list[Probe]] = {
    "notes:calendar": [
        Probe(lambda c: reverse("notes:calendar"), html_role_page(ALL_CLINICIANS)),
        Probe(lambda c: reverse("notes:calendar") + "?date=2026-02-31", html_role_page(ALL_CLINICIANS, 400)),
        Probe(lambda c: reverse("notes:calendar") + "?date=9999-12-31", html_role_page(ALL_CLINICIANS, 400)),
    ],
    "notes:calendar-feed-settings": [
        Probe(lambda c: reverse("notes:calendar-feed-settings"), html_role_page(ALL_CLINICIANS)),
        # No action chosen: a 400 for a clinician, nothing for the rest.
        Probe(lambda c: reverse("notes:calendar-feed-settings"), html_role_page(ALL_CLINICIANS, 400),
              method="post"),
    ],
    "notes:calendar-feed": [
        Probe(lambda c: reverse("notes:calendar-feed"), dict.fromkeys(STAFF_AND_ANONYMOUS, 404)),
        Probe(lambda c: reverse("notes:calendar-feed") + "?token=" + _feed_token(c),
              dict.fromkeys(STAFF_AND_ANONYMOUS, 200)),
    ],
    # An empty post (no version): a 400 for those who may change the couple.
    "notes:session-cancel": [
        Probe(lambda c: reverse("notes:session-cancel", args=[_series_session(c).pk]),
              html_record(CLINICIANS_ON_CASE, 400), method="post"),
    ],
    "notes:series-end": [
        Probe(lambda c: reverse("notes:series-end", args=[_series_session(c).pk]),
              html_record(CLINICIANS_ON_CASE, 400), method="post"),
        # GET is the confirmation page (nothing removed); without a scope a 400.
        Probe(lambda c: reverse("notes:series-end", args=[_series_session(c).pk]) + "?scope=following",
              html_record(CLINICIANS_ON_CASE)),
        Probe(lambda c: reverse("notes:series-end", args=[_series_session(c).pk]),
              html_record(CLINICIANS_ON_CASE, 400)),
    ],
}
