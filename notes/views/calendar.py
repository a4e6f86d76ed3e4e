"""The clinician's calendar: a week (or on a phone, a day) of their own sessions, and their private iCalendar
feed (make, revoke, and the feed itself).

The calendar and the feed's settings are for therapists and supervisors (clinician_required): practice managers
and administrators see no clinical schedule. The feed is public by design (a calendar app cannot sign in): its
address carries a random token in the query string (so the access log, which records the path alone, never
holds it), it lists references only, and it re-checks at every request that the owner is an active clinician
and still on each couple's care team (notes.selectors.agenda).
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from clinic.access import clinician_required
from notes import ical
from notes.forms.sessions import CalendarForm
from notes.selectors import agenda
from notes.services.calendar_feed import calendar_feed_issue, calendar_feed_revoke
from rapport import throttle
from rapport.forms import error_summary

NAV = "calendar"
logger = logging.getLogger(__name__)


@require_GET
@clinician_required
def calendar(request: HttpRequest) -> HttpResponse:
    """The week containing `date` (today by default), from the practice's first weekday, or with view=day the
    one day. Bad parameters: the current week, the form's errors, status 400."""
    form = CalendarForm(request.GET or None)
    status = 200
    day, view = timezone.localdate(), "week"
    if form.is_bound and form.is_valid():
        day = form.cleaned_data["date"] or day
        view = form.cleaned_data["view"] or "week"
    elif form.is_bound:
        status = 400
    if view == "day":
        first, count, step = day, 1, datetime.timedelta(days=1)
    else:
        first, count, step = agenda.week_start(day), 7, datetime.timedelta(weeks=1)
    days, names = agenda.calendar_days(request.user, first_day=first, days=count)
    return render(request, "notes/calendar/calendar.html", {
        "nav": NAV, "form": form, "errors": error_summary(form) if status == 400 else [], "view": view,
        "days": days, "names": names, "first": first, "last": first + datetime.timedelta(days=count - 1),
        "previous": first - step, "next": first + step, "today": timezone.localdate(), "day": day,
        "session_count": sum(len(d.entries) for d in days),
    }, status=status)


@require_http_methods(["GET", "POST"])
@clinician_required
def feed_settings(request: HttpRequest) -> HttpResponse:
    """Make (or replace) and revoke the user's calendar feed. The address is shown once, right after it is made:
    only its digest is stored."""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "issue":
            replaced = agenda.has_feed(request.user)
            token = calendar_feed_issue(user=request.user)
            messages.success(request, "Your new calendar feed address is below; the earlier one stopped working."
                             if replaced else "Your calendar feed address was made: copy it below.")
            url = request.build_absolute_uri(reverse("notes:calendar-feed")) + f"?token={token}"
            response = render(request, "notes/calendar/feed_settings.html", {
                "nav": NAV, "feed": agenda.has_feed(request.user), "feed_url": url,
                "days_back": agenda.FEED_DAYS_BACK, "days_ahead": agenda.FEED_DAYS_AHEAD,
            })
            response["Referrer-Policy"] = "no-referrer"
            return response
        if action == "revoke":
            had = calendar_feed_revoke(user=request.user)
            if had:
                messages.success(request, "Your calendar feed address was revoked; calendar apps using it will "
                                          "stop updating.")
            else:
                messages.info(request, "You had no calendar feed address to revoke.")
            return redirect("notes:calendar-feed-settings")
        return render(request, "notes/calendar/feed_settings.html", {
            "nav": NAV, "feed": agenda.has_feed(request.user), "action_error": "Choose to make or revoke the feed.",
            "days_back": agenda.FEED_DAYS_BACK, "days_ahead": agenda.FEED_DAYS_AHEAD,
        }, status=400)
    return render(request, "notes/calendar/feed_settings.html", {
        "nav": NAV, "feed": agenda.has_feed(request.user),
        "days_back": agenda.FEED_DAYS_BACK, "days_ahead": agenda.FEED_DAYS_AHEAD,
    })


@login_not_required
@never_cache
@require_GET
def feed(request: HttpRequest) -> HttpResponse:
    """The iCalendar feed of the token's owner: 404 for a missing, wrong or revoked token or an owner who can no
    longer see clinical records. References only (notes.ical)."""
    # Wrong addresses are not counted per IP address: a 256-bit token is not guessed, and behind a proxy every
    # request has the proxy's address, so such a limit would let anyone stop every clinician's feed.
    owner = agenda.feed_owner(request.GET.get("token", ""))
    if owner is None:
        raise Http404
    wait = throttle.hit(f"calendar-feed:{owner.pk}", limit=settings.RAPPORT_FEED_REQUESTS_PER_HOUR, window=3600)
    if wait is not None:
        logger.warning("calendar feed of user %s throttled: more than %s requests this hour", owner.pk,
                       settings.RAPPORT_FEED_REQUESTS_PER_HOUR)
        return _too_many_requests(wait)
    now = timezone.now()
    domain = (settings.ALLOWED_HOSTS[0] if settings.ALLOWED_HOSTS and settings.ALLOWED_HOSTS[0] not in ("*", "")
              else "rapport.invalid").lstrip(".")
    text = ical.calendar_text(agenda.feed_sessions(owner, now=now), now=now, domain=domain)
    response = HttpResponse(text.encode(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="rapport-sessions.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response


def _too_many_requests(wait: int) -> HttpResponse:
    """A calendar app asks every 15 minutes to a few hours: this many requests is a misconfigured client, a leaked
    address being used, or addresses being guessed."""
    response = HttpResponse("Too many requests for this calendar feed. Try again later.\n", status=429,
                            content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(wait)
    return response
