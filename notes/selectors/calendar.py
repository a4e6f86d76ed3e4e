"""Which couples have sessions, and on which days they attended: what plans' measure schedules need
(registered with plans.session_calendar in NotesConfig.ready())."""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.db.models import Count
from django.utils import timezone

from notes.models import Attendance, Session


def _local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localdate(moment) if timezone.is_aware(moment) else moment.date()


def attended_session_days(
    couple_ids: list[Any], since: datetime.date
) -> tuple[set[Any], dict[Any, list[datetime.date]]]:
    """Couples with any session recorded, and each couple's attended session days from `since` (2 queries)."""
    with_sessions = set(
        Session.objects.filter(couple_id__in=couple_ids).order_by().values_list("couple_id", flat=True).distinct()
    )
    attended: dict[Any, list[datetime.date]] = defaultdict(list)
    if with_sessions:
        start = timezone.make_aware(datetime.datetime.combine(since, datetime.time.min))
        rows = Session.objects.filter(
            couple_id__in=with_sessions, attendance=Attendance.ATTENDED, starts_at__gte=start
        ).values_list("couple_id", "starts_at").order_by("starts_at")
        zone = timezone.get_current_timezone()  # once, not per row: a caseload has thousands of sessions
        for couple_id, starts_at in rows:
            attended[couple_id].append(starts_at.astimezone(zone).date() if starts_at.tzinfo else starts_at.date())
    return with_sessions, attended


def attended_session_counts(couple_ids: list[Any]) -> dict[Any, int]:
    """Each couple's attended sessions in all, counted by the database (1 query; couples without any left out)."""
    return dict(
        Session.objects.filter(couple_id__in=couple_ids, attendance=Attendance.ATTENDED)
        .values("couple_id").annotate(n=Count("id")).order_by().values_list("couple_id", "n")
    )
