"""/api/v1/ for sessions (appointments): dates, kind, attendance and billing code, no clinical text.

Same rules and helpers as the HTML pages: clinic.access through notes.selectors.notes (404 for strangers,
audited), notes.services.sessions for every write. Clinicians only (managers and administrators 403); a save
based on an old version is a 409 with the current version.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from audit.services import record_event
from clinic.access import get_couple_for_user
from clinic.api.couples import COUPLE_PK
from clinic.models import User
from notes.api.sessions_serializers import (
    SeriesCreateInput,
    SeriesEndInput,
    SeriesEndOutput,
    SeriesOutput,
    SessionCreateInput,
    SessionFilterInput,
    SessionOutput,
    SessionUpdateInput,
)
from notes.models import Session, SessionSeries
from notes.selectors import notes as selectors
from notes.services import series as series_services
from notes.services import sessions as session_services
from rapport.api import UUID_PATTERN, RolePermissionsMixin, error_responses, validated


def _therapist(couple, pk: Any) -> User:
    user = User.objects.filter(pk=pk, practice_id=couple.practice_id).first()
    if user is None:
        raise exceptions.ValidationError({"therapist": ["Choose a therapist on this couple's care team."]})
    return user


def _session_out(pk: Any) -> dict:
    return SessionOutput(selectors.session_with_note(pk)).data


def _series_out(series: SessionSeries) -> dict:
    series.occurrences = list(selectors.series_sessions(series))
    return SeriesOutput(series).data


@extend_schema(tags=["sessions"], parameters=[COUPLE_PK])
class CoupleSessionViewSet(RolePermissionsMixin, viewsets.GenericViewSet):
    """A couple's sessions (appointments): dates, kind, attendance and billing code; no clinical text."""

    queryset = Session.objects.none()  # for the schema; every view reads through notes.selectors.notes

    @extend_schema(
        summary="List a couple's sessions",
        description="Most recent first, each with its note's id and status (or null).",
        parameters=[SessionFilterInput],
        responses={200: SessionOutput(many=True), **error_responses(400, 401, 403, 404)},
    )
    def list(self, request, couple_pk=None):
        couple = get_couple_for_user(request.user, couple_pk)
        filters = validated(SessionFilterInput, request.query_params)
        page = self.paginate_queryset(selectors.sessions_for_couple(couple, **filters))
        record_event("session.list", actor=request.user, obj=couple, detail={"shown": len(page), "api": True})
        return self.get_paginated_response(SessionOutput(page, many=True).data)

    @extend_schema(
        summary="Record a session",
        description="A joint session needs both partners' IPV screens recorded first; a session in the future "
                    "cannot be attended. The service code defaults to the suggested one.",
        request=SessionCreateInput,
        responses={201: SessionOutput, **error_responses(400, 401, 403, 404)},
    )
    def create(self, request, couple_pk=None):
        couple = get_couple_for_user(request.user, couple_pk, write=True)
        data = validated(SessionCreateInput, request.data)
        if "therapist" in data:
            data["therapist"] = _therapist(couple, data["therapist"])
        session = session_services.session_create(couple=couple, by=request.user, **data)
        return Response(_session_out(session.pk), status=status.HTTP_201_CREATED)


@extend_schema(tags=["sessions"])
class SessionViewSet(RolePermissionsMixin, viewsets.GenericViewSet):
    """One session."""

    queryset = Session.objects.none()
    lookup_value_regex = UUID_PATTERN

    @extend_schema(summary="Open a session", responses={200: SessionOutput, **error_responses(401, 403, 404)})
    def retrieve(self, request, pk=None):
        session = selectors.get_session_for_user(request.user, pk)
        return Response(_session_out(session.pk))

    @extend_schema(
        summary="Change a session",
        description="Send the `version` you last read (409 if it changed since). A session with a progress note "
                    "stays attended; once the note is signed, its date, length and kind stay too.",
        request=SessionUpdateInput,
        responses={200: SessionOutput, **error_responses(400, 401, 403, 404, 409)},
    )
    def partial_update(self, request, pk=None):
        session = selectors.get_session_for_user(request.user, pk, write=True)
        data = validated(SessionUpdateInput, request.data)
        if "therapist" in data:
            data["therapist"] = _therapist(session.couple, data["therapist"])
        saved = session_services.session_update(session=session, by=request.user, base_version=data.pop("version"),
                                                **data)
        return Response(_session_out(saved.pk))


@extend_schema(tags=["sessions"], parameters=[COUPLE_PK])
class CoupleSeriesViewSet(RolePermissionsMixin, viewsets.GenericViewSet):
    """Recurring sessions of a couple: every week or every two weeks, up to a last day or a number."""

    queryset = SessionSeries.objects.none()

    @extend_schema(
        summary="Record a recurring series of sessions",
        description="Every occurrence is recorded as a single session would be (the IPV gate for joint sessions, "
                    "the therapist on the care team, the service code), all or none. Give `repeat_until` or "
                    f"`repeat_count`, not both; at most {series_services.MAX_OCCURRENCES} occurrences.",
        request=SeriesCreateInput,
        responses={201: SeriesOutput, **error_responses(400, 401, 403, 404)},
    )
    def create(self, request, couple_pk=None):
        couple = get_couple_for_user(request.user, couple_pk, write=True)
        data = validated(SeriesCreateInput, request.data)
        if "therapist" in data:
            data["therapist"] = _therapist(couple, data["therapist"])
        series = series_services.series_create(
            couple=couple, by=request.user, interval_weeks=data.pop("repeat"), until=data.pop("repeat_until", None),
            count=data.pop("repeat_count", None), **data)
        return Response(_series_out(series), status=status.HTTP_201_CREATED)


@extend_schema(tags=["sessions"])
class SeriesViewSet(RolePermissionsMixin, viewsets.GenericViewSet):
    """One recurring series, with its occurrences."""

    queryset = SessionSeries.objects.none()
    lookup_value_regex = UUID_PATTERN

    @extend_schema(summary="Open a series", responses={200: SeriesOutput, **error_responses(401, 403, 404)})
    def retrieve(self, request, pk=None):
        series = selectors.get_series_for_user(request.user, pk)
        out = _series_out(series)
        record_event("session.list", actor=request.user, obj=series.couple,
                     detail={"shown": len(out["sessions"]), "series": str(series.pk), "api": True})
        return Response(out)

    @extend_schema(
        summary="End a series",
        description="Removes the occurrences from `since` (default: now) that are still scheduled, in the future "
                    "and documented nowhere (no progress note, no psychotherapy note); attended, cancelled or "
                    "documented ones stay. To cancel one occurrence, change its attendance to cancelled.",
        request=SeriesEndInput,
        responses={200: SeriesEndOutput, **error_responses(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        series = selectors.get_series_for_user(request.user, pk, write=True)
        data = validated(SeriesEndInput, request.data)
        removed = series_services.series_end(series=series, by=request.user, since=data.get("since"))
        series.refresh_from_db()
        return Response({"removed": removed, "series": _series_out(series)})


def register(router) -> None:
    router.register(f"couples/(?P<couple_pk>{UUID_PATTERN})/sessions", CoupleSessionViewSet,
                    basename="couple-session")
    router.register("sessions", SessionViewSet, basename="session")
    router.register(f"couples/(?P<couple_pk>{UUID_PATTERN})/session-series", CoupleSeriesViewSet,
                    basename="couple-session-series")
    router.register("session-series", SeriesViewSet, basename="session-series")
