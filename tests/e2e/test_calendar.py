"""In the demo practice, in a browser: the demo therapist records a weekly series of four sessions, finds it in
the week view of the calendar, cancels one occurrence, opens today's session's note from the calendar, reads
the day view on a phone (360 px) without sideways scrolling, cancels the rest of the series through its
confirmation page, then makes a calendar-feed address. axe-core checks
each page (WCAG 2.1 AA, no serious or critical violation; tests/e2e/test_accessibility.py).

Screenshots: /tmp/e2e-calendar-week-*.png (1024 px and 768 px wide), /tmp/e2e-calendar-day-360.png.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from demo.plans import demo_cases
from notes.models import Attendance, Session, SessionSeries
from tests.e2e.conftest import browser, page  # noqa: F401  (the browser fixtures of tests/e2e)
from tests.e2e.test_accessibility import Audit
from tests.e2e.test_plan_and_measures import (  # noqa: F401
    WIDER_THAN_THE_PAGE,
    demo,
    screenshots,
    sign_in_to_the_demo,
)

PHONE = {"width": 360, "height": 740}


@pytest.mark.e2e
def test_therapist_makes_a_weekly_series_and_works_from_the_calendar(page, demo):  # noqa: F811
    from playwright.sync_api import expect

    case = next(case for case in demo_cases(demo.therapist.practice) if case.key == "Hiroshi Tanaka")
    couple = case.couple
    first_day = timezone.localdate() + datetime.timedelta(days=15)
    sign_in_to_the_demo(page, demo.therapist, demo.device)
    audit = Audit()

    # A weekly series of four, at 10:00, from the session form.
    page.goto(reverse("notes:session-create", args=[couple.pk]))
    audit.check(page, "session form with repeat")
    page.get_by_label(re.compile(r"^Date")).fill(first_day.isoformat())
    page.get_by_label(re.compile(r"^Start time")).fill("10:00")
    page.get_by_label(re.compile(r"^Attendance")).select_option(Attendance.SCHEDULED)
    page.get_by_label(re.compile(r"^Repeat")).select_option("1")
    page.get_by_label(re.compile(r"^Number of sessions")).fill("4")
    page.get_by_role("button", name="Record the session").click()
    page.wait_for_url(re.compile(re.escape(reverse("notes:calendar"))))
    expect(page.get_by_role("status")).to_contain_text("4 sessions recorded, every week")
    series = SessionSeries.objects.get(couple=couple)
    assert series.sessions.count() == 4

    # The week view shows it: the time, the reference and the couple's name, the kind.
    entry = page.locator(".calendar-entry").filter(has_text=couple.reference).filter(has_text="10:00")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("Joint session")
    expect(entry).to_contain_text(f"{case.names['a']}")
    expect(entry).to_contain_text("Scheduled")
    screenshots(page, "calendar-week")
    audit.check(page, "calendar week")
    # The "Go" button sits level with the date input (it was ~14 px lower).
    nav = page.get_by_role("navigation", name="Calendar", exact=True)
    field = nav.get_by_label(re.compile(r"^Go to date")).bounding_box()
    go = nav.get_by_role("button", name="Go").bounding_box()
    assert abs((field["y"] + field["height"]) - (go["y"] + go["height"])) <= 1, (field, go)

    # Next week has the second occurrence; open it and cancel that one only.
    page.get_by_role("link", name=re.compile("Next week")).click()
    second = page.locator(".calendar-entry").filter(has_text=couple.reference).filter(has_text="10:00")
    expect(second).to_have_count(1)
    second.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/sessions/[0-9a-f-]+/edit/$"))
    expect(page.get_by_text("Every week, 4 sessions", exact=False)).to_be_visible()
    page.get_by_role("button", name="Cancel this session").click()
    page.wait_for_url(re.compile(re.escape(reverse("notes:calendar"))))
    cancelled = page.locator(".calendar-entry.is-cancelled").filter(has_text=couple.reference)
    expect(cancelled).to_have_count(1)
    expect(cancelled).to_contain_text("Cancelled")
    attendance = list(series.sessions.order_by("starts_at").values_list("attendance", flat=True))
    assert attendance == [Attendance.SCHEDULED, Attendance.CANCELLED, Attendance.SCHEDULED, Attendance.SCHEDULED]

    # Today's attended session (its note half-written) opens its note from the calendar.
    today_session = Session.objects.filter(
        therapist=demo.therapist, attendance=Attendance.ATTENDED, note__isnull=False,
        starts_at__date=timezone.localdate(),
    ).select_related("couple").first()
    assert today_session is not None
    page.get_by_role("navigation", name="Calendar", exact=True).get_by_role("link", name="Today").click()
    today = page.locator(".calendar-column.is-today .calendar-entry").filter(has_text=today_session.couple.reference)
    today.get_by_role("link").first.click()
    page.wait_for_url(re.compile(re.escape(reverse("notes:note-edit", args=[today_session.pk]))))
    expect(page.get_by_label("Subjective", exact=True)).to_be_visible()

    # On a phone: the day view, keyboard-reachable, no sideways scrolling.
    page.set_viewport_size(PHONE)
    page.goto(reverse("notes:calendar") + f"?date={first_day.isoformat()}&view=day")
    expect(page.get_by_role("heading", level=1)).to_contain_text(first_day.strftime("%-d"))
    day_entry = page.locator(".calendar-entry").filter(has_text=couple.reference)
    expect(day_entry).to_have_count(1)
    link = day_entry.get_by_role("link")
    link.focus()
    expect(link).to_be_focused()
    page.screenshot(path="/tmp/e2e-calendar-day-360.png", full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], page.evaluate(WIDER_THAN_THE_PAGE, PHONE["width"])
    audit.check(page, "calendar day at 360 px")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/sessions/[0-9a-f-]+/edit/$"))
    audit.check(page, "session edit with series actions at 360 px")

    # "Cancel this and all following" from the first session asks first: the first, third and fourth go (still
    # scheduled), the second stays (cancelled); then back to that session's week with the count.
    page.get_by_role("button", name="Cancel this and all following (3)").click()
    page.wait_for_url(re.compile(r"/sessions/[0-9a-f-]+/series/end/\?scope=following$"))
    expect(page.get_by_role("heading", name="3 sessions will be removed")).to_be_visible()
    expect(page.locator(".series-end-kept li")).to_have_count(1)
    expect(page.locator(".series-end-kept")).to_contain_text("cancelled")
    assert series.sessions.count() == 4
    audit.check(page, "end series confirmation at 360 px")
    page.get_by_role("button", name="Remove these 3 sessions").click()
    page.wait_for_url(re.compile(re.escape(reverse("notes:calendar") + f"?date={first_day.isoformat()}") + "$"))
    expect(page.get_by_role("status")).to_contain_text("Series ended: 3 scheduled sessions removed.")
    assert list(series.sessions.values_list("attendance", flat=True)) == [Attendance.CANCELLED]

    # The feed's page: make an address (shown once).
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(reverse("notes:calendar-feed-settings"))
    page.get_by_role("button", name="Make a feed address").click()
    address = page.get_by_role("textbox", name="Feed address")
    expect(address).to_have_value(re.compile(r"/calendar/feed\.ics\?token=[\w-]{43}$"))
    audit.check(page, "calendar feed")
    assert not audit.found, "WCAG 2.1 AA violations:\n" + "\n".join(audit.found)
