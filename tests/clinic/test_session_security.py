"""Session lifetimes (idle and absolute), and ending every session of a deactivated user at once."""

from __future__ import annotations

import time

import pytest
from django.contrib.sessions.models import Session
from django.test import Client, override_settings
from django.urls import reverse

from audit.models import AuditEvent
from clinic.models import ApiToken, SignedInSession
from clinic.services.api_tokens import api_token_issue
from rapport.middleware import SessionLifetimeMiddleware
from tests.factories import TEST_PASSWORD, sign_in_verified

LOGIN = reverse("clinic:login")
USERS = reverse("clinic:user-list")
PRACTICE = reverse("clinic:practice-settings")


def age_session(client, *, idle_seconds: float = 0, signed_in_seconds: float = 0) -> None:
    """Move the session's last request and sign-in time back in time."""
    session = client.session
    now = time.time()
    if idle_seconds:
        session[SessionLifetimeMiddleware.IDLE_KEY] = now - idle_seconds
    if signed_in_seconds:
        session[SessionLifetimeMiddleware.START_KEY] = now - signed_in_seconds
    session.save()


@pytest.fixture
def admin_client(client, login, cast):
    login(cast.admin)
    assert client.get(USERS).status_code == 200  # stamps last-seen and signed-in times
    return client


# --- Idle timeout -------------------------------------------------------------------------------

@override_settings(RAPPORT_IDLE_TIMEOUT_SECONDS=600)
def test_user_stays_signed_in_while_active(admin_client):
    age_session(admin_client, idle_seconds=590)
    assert admin_client.get(USERS).status_code == 200
    assert admin_client.session[SessionLifetimeMiddleware.IDLE_KEY] > time.time() - 5


@override_settings(RAPPORT_IDLE_TIMEOUT_SECONDS=600)
def test_user_is_signed_out_after_idle_timeout(admin_client, cast):
    key = admin_client.session.session_key
    age_session(admin_client, idle_seconds=601)
    response = admin_client.get(PRACTICE)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=/manage/practice/"
    assert "_auth_user_id" not in admin_client.session
    assert not SignedInSession.objects.filter(session_key=key).exists()
    event = AuditEvent.objects.get(action="auth.session_expired")
    assert event.actor_id == cast.admin.pk and event.detail == {"reason": "idle"}
    assert AuditEvent.objects.filter(action="auth.sign_out", actor_id=cast.admin.pk).exists()
    page = admin_client.get(response["Location"]).content.decode()
    assert "signed out after 10 minutes without activity" in page
    assert admin_client.get(USERS).status_code == 302


@override_settings(RAPPORT_IDLE_TIMEOUT_SECONDS=600)
def test_idle_htmx_request_gets_401_json(admin_client):
    age_session(admin_client, idle_seconds=601)
    response = admin_client.get(USERS, headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "session_expired"
    assert "_auth_user_id" not in admin_client.session


@override_settings(RAPPORT_IDLE_TIMEOUT_SECONDS=600)
def test_idle_api_request_gets_401_json(admin_client):
    age_session(admin_client, idle_seconds=601)
    response = admin_client.get("/api/v1/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "session_expired"


@override_settings(RAPPORT_IDLE_TIMEOUT_SECONDS=600)
def test_idle_timeout_applies_before_second_factor_too(client, cast):
    client.force_login(cast.admin)
    assert client.get(reverse("clinic:two-factor")).status_code == 302  # to setup: no device yet
    age_session(client, idle_seconds=601)
    response = client.get(reverse("clinic:two-factor-setup"))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert "_auth_user_id" not in client.session


# --- Absolute lifetime ----------------------------------------------------------------------------

@override_settings(RAPPORT_SESSION_MAX_SECONDS=3600, RAPPORT_IDLE_TIMEOUT_SECONDS=600)
def test_user_is_signed_out_after_absolute_lifetime_even_if_active(admin_client, cast):
    age_session(admin_client, idle_seconds=1, signed_in_seconds=3601)
    response = admin_client.get(USERS)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert "_auth_user_id" not in admin_client.session
    event = AuditEvent.objects.get(action="auth.session_expired")
    assert event.detail == {"reason": "lifetime"}
    page = admin_client.get(response["Location"]).content.decode()
    assert "Your session reached its maximum length of 1 hour" in page


@override_settings(RAPPORT_SESSION_MAX_SECONDS=3600, RAPPORT_IDLE_TIMEOUT_SECONDS=600)
def test_user_stays_signed_in_within_absolute_lifetime(admin_client):
    age_session(admin_client, idle_seconds=1, signed_in_seconds=3500)
    assert admin_client.get(USERS).status_code == 200


def test_sign_in_starts_the_lifetime_clock_afresh(client, cast):
    """A leftover start time from before sign-in must not shorten (or lengthen) the new session."""

    session = client.session
    session[SessionLifetimeMiddleware.START_KEY] = time.time() - 10 * 24 * 3600
    session.save()
    client.post(LOGIN, {"username": cast.therapist.username, "password": TEST_PASSWORD})
    assert client.session[SessionLifetimeMiddleware.START_KEY] > time.time() - 5


# --- Deactivation ends sessions -------------------------------------------------------------------

def test_deactivation_ends_the_users_sessions_in_other_browsers_immediately(client, login, cast):
    victim_browser, victim_phone = Client(), Client()
    sign_in_verified(victim_browser, cast.supervisor)
    sign_in_verified(victim_phone, cast.supervisor)
    keys = {victim_browser.session.session_key, victim_phone.session.session_key}
    assert SignedInSession.objects.filter(user=cast.supervisor).count() == 2
    token = api_token_issue(user=cast.supervisor).token

    login(cast.admin)
    # the supervisor supervises the therapist: leave them without a supervisor for now
    response = client.post(reverse("clinic:user-deactivate", args=[cast.supervisor.pk]),
                           {"leave_unassigned": "on", "secret": TEST_PASSWORD})
    assert response.status_code == 302

    assert not Session.objects.filter(session_key__in=keys).exists()
    assert not SignedInSession.objects.filter(user=cast.supervisor).exists()
    assert not ApiToken.objects.filter(user=cast.supervisor).exists()
    for other in (victim_browser, victim_phone):
        page = other.get(reverse("clinic:home"))
        assert page.status_code == 302 and page["Location"].startswith(LOGIN)
    api = Client().get("/api/v1/", headers={"Authorization": f"Token {token}"})
    assert api.status_code in (401, 403)
    event = AuditEvent.objects.get(action="user.deactivate")
    assert event.detail == {"sessions_ended": 2, "tokens_revoked": 1}
    assert event.object_id == str(cast.supervisor.pk) and event.actor_id == cast.admin.pk


def test_deactivation_leaves_other_users_sessions_alone(client, login, cast):
    colleague = Client()
    sign_in_verified(colleague, cast.co_therapist)
    login(cast.admin)
    client.post(reverse("clinic:user-deactivate", args=[cast.supervisor.pk]),
                {"leave_unassigned": "on", "secret": TEST_PASSWORD})
    assert colleague.get(USERS).status_code == 403  # still signed in (an admin page is simply not theirs)
    assert Session.objects.filter(session_key=colleague.session.session_key).exists()


# --- The idle stamp is written at most once a minute ------------------------------------------


def _stored_session(client) -> str:
    return Session.objects.get(session_key=client.session.session_key).session_data


def test_requests_within_a_minute_do_not_rewrite_the_session(admin_client):
    age_session(admin_client, idle_seconds=SessionLifetimeMiddleware.IDLE_STAMP_SECONDS - 20)
    stamped = admin_client.session[SessionLifetimeMiddleware.IDLE_KEY]
    stored = _stored_session(admin_client)

    assert admin_client.get(USERS).status_code == 200

    assert admin_client.session[SessionLifetimeMiddleware.IDLE_KEY] == stamped
    assert _stored_session(admin_client) == stored  # no session write for this page


def test_a_stamp_a_minute_old_is_renewed(admin_client):
    age_session(admin_client, idle_seconds=SessionLifetimeMiddleware.IDLE_STAMP_SECONDS + 1)

    assert admin_client.get(USERS).status_code == 200

    assert admin_client.session[SessionLifetimeMiddleware.IDLE_KEY] > time.time() - 5


@override_settings(RAPPORT_IDLE_TIMEOUT_SECONDS=600)
def test_the_idle_timeout_still_ends_a_session_counted_from_its_last_stamp(admin_client):
    # Active 30 s after the last stamp (not written back), then quiet: the clock runs from the stamp, so the
    # session ends at most a minute early, never late.
    age_session(admin_client, idle_seconds=30)
    assert admin_client.get(USERS).status_code == 200
    age_session(admin_client, idle_seconds=601)

    response = admin_client.get(USERS)

    assert response.status_code == 302
    assert "_auth_user_id" not in admin_client.session
