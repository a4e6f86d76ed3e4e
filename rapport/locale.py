"""A practice's locale: paper size, language variant, time zone and date style, and how every page follows it.

The practice administrator sets them on the practice settings page (clinic.Practice); a new practice starts from
its country's defaults (`defaults_for`). `PracticeLocaleMiddleware` (rapport.middleware) activates the signed-in
user's practice's time zone and language for each request and sets the date style used by the `date` filter
(`practice_date`, installed as a template builtin, so `{{ day|date:"j M Y" }}` in any template reads "Dec 4, 2026"
for a US practice). Reports read the paper size (reports/pdf/base.html). CSV files keep ISO 8601 dates (a billing
system or spreadsheet reads them unambiguously) with times in the practice's zone and its UTC offset.
"""

from __future__ import annotations

import contextvars
import datetime
import re
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django import template
from django.db import models
from django.template.defaultfilters import date as django_date
from django.utils import timezone


class PaperSize(models.TextChoices):
    LETTER = "letter", "US Letter (8.5 × 11 in)"
    A4 = "a4", "A4 (210 × 297 mm)"


class Language(models.TextChoices):
    EN_US = "en-us", "English (United States): color, behavior, center"
    EN_GB = "en-gb", "English (United Kingdom): colour, behaviour, centre"


class DateStyle(models.TextChoices):
    DMY = "dmy", "Day month year: 4 Dec 2026"
    MDY = "mdy", "Month day, year: Dec 4, 2026"
    ISO = "iso", "ISO 8601: 2026-12-04"


class Country(models.TextChoices):
    US = "US", "United States"
    CA = "CA", "Canada"
    GB = "GB", "United Kingdom"
    IE = "IE", "Ireland"
    AU = "AU", "Australia"
    NZ = "NZ", "New Zealand"


@dataclass(frozen=True)
class LocaleDefaults:
    paper_size: str
    language: str
    time_zone: str
    date_style: str


# A new practice's starting point; the administrator changes any of them (a US practice picks its own zone).
# Paper: Letter in the US and Canada (ANSI/ASME Y14.1; Canada's CAN2-9.60 adopts US sizes), A4 elsewhere (ISO 216).
DEFAULTS: dict[str, LocaleDefaults] = {
    Country.US: LocaleDefaults(PaperSize.LETTER, Language.EN_US, "America/New_York", DateStyle.MDY),
    Country.CA: LocaleDefaults(PaperSize.LETTER, Language.EN_US, "America/Toronto", DateStyle.ISO),
    Country.GB: LocaleDefaults(PaperSize.A4, Language.EN_GB, "Europe/London", DateStyle.DMY),
    Country.IE: LocaleDefaults(PaperSize.A4, Language.EN_GB, "Europe/Dublin", DateStyle.DMY),
    Country.AU: LocaleDefaults(PaperSize.A4, Language.EN_GB, "Australia/Sydney", DateStyle.DMY),
    Country.NZ: LocaleDefaults(PaperSize.A4, Language.EN_GB, "Pacific/Auckland", DateStyle.DMY),
}


def defaults_for(country: str) -> LocaleDefaults:
    return DEFAULTS.get(country, DEFAULTS[Country.GB])


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())
            if "/" in name and not name.startswith(("Etc/", "SystemV/"))]


def page_size(paper_size: str) -> str:
    """The CSS @page size of a paper size ("letter" or "A4")."""
    return "letter" if paper_size == PaperSize.LETTER else "A4"


# --- The date style of the request being served ---------------------------------------------------

_date_style: contextvars.ContextVar[str] = contextvars.ContextVar("rapport_date_style", default=DateStyle.DMY)


@contextmanager
def date_style(style: str) -> Iterator[None]:
    """Render with `style` inside the block (the middleware wraps each request; a task can wrap a report)."""
    token = _date_style.set(style)
    try:
        yield
    finally:
        _date_style.reset(token)


# "j M Y", "j F Y", "j M", "D j M Y"...: a day number, then a month name, then perhaps the year.
_DAY_MONTH = re.compile(r"(?<!\\)\bj ([MF])(?: (Y))?")


def restyle(format_string: str, style: str) -> str:
    """A template's day-month format in `style`: "j M Y" -> "M j, Y" (mdy) or "Y-m-d" (iso); others unchanged."""
    if style == DateStyle.MDY:
        return _DAY_MONTH.sub(lambda m: f"{m.group(1)} j" + (", Y" if m.group(2) else ""), format_string)
    if style == DateStyle.ISO:
        return _DAY_MONTH.sub(lambda m: "Y-m-d" if m.group(2) else "m-d", format_string)
    return format_string


register = template.Library()


@register.filter("date", expects_localtime=True, is_safe=False)
def practice_date(value: Any, arg: str | None = None) -> str:
    """Django's `date` filter, with a day-month format written in the practice's date style."""
    if arg:
        arg = restyle(arg, _date_style.get())
    return django_date(value, arg)


# --- Per request: the signed-in user's practice ----------------------------------------------------

SESSION_KEY = "rapport_locale"


def _version_key(practice_id: Any) -> str:
    return f"rapport:practice-locale:{practice_id}"


def locale_of(practice: Any) -> dict[str, str]:
    return {"time_zone": practice.time_zone, "language": practice.language, "date_style": practice.date_style,
            "paper_size": practice.paper_size}


def remember(session: Any, practice: Any) -> None:
    """Keep the practice's locale in the session (at sign-in), so that a request reads no row for it."""
    from django.core.cache import cache  # noqa: PLC0415  (settings must be loaded; this module is also a builtin)

    session[SESSION_KEY] = {**locale_of(practice), "practice": str(practice.pk),
                            "version": cache.get(_version_key(practice.pk), 0)}


def changed(practice: Any) -> None:
    """The practice's locale changed (clinic.services.users.practice_update): every session reloads it."""
    import time

    from django.core.cache import cache  # noqa: PLC0415

    cache.set(_version_key(practice.pk), time.time(), timeout=None)


def for_request(request: Any) -> dict[str, str] | None:
    """The locale of the request's user's practice: from the session, reloaded once when an administrator
    changed it (a version in the shared cache) or when the session predates it. None when signed out."""
    from django.core.cache import cache  # noqa: PLC0415

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not getattr(user, "practice_id", None):
        return None
    session = getattr(request, "session", None)
    stored = session.get(SESSION_KEY) if session is not None else None
    if (stored is None or stored.get("practice") != str(user.practice_id)
            or stored.get("version", 0) != cache.get(_version_key(user.practice_id), 0)):
        if session is None:
            return locale_of(user.practice)
        remember(session, user.practice)
        stored = session[SESSION_KEY]
    return stored


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of `day` in the active time zone (the practice's, in a request). A filter on
    `moment >= day_start(day)` uses the column's index where `moment__date >= day` cannot."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
