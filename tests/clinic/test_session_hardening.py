"""The session key is renewed when the second factor is passed; a demo-skip session ends when demo mode is off."""

from __future__ import annotations

import time

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import override_settings
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from clinic.models import SignedInSession
from clinic.services import users
from rapport.middleware import DEMO_SKIP_SESSION_KEY
from tests.factories import TEST_PASSWORD, totp_device_for

pytestmark = pytest.mark.django_db

LOGIN = reverse("clinic:login")
VERIFY = reverse("clinic:two-factor")
SETUP = reverse("clinic:two-factor-setup")
SKIP = reverse("clinic:two-factor-skip")
USERS = reverse("clinic:user-list")
TODAY = "/today/"


def code_for(device) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def password_step(client, user) -> str:
    assert client.post(LOGIN, {"username": user.username, "password": TEST_PASSWORD}).status_code == 302
    return client.session.session_key


# --- Session key renewed at the second factor ------------------------------------------------------------

def test_session_key_changes_when_the_code_is_verified(client, cast):
    device = totp_device_for(cast.therapist)
    before = password_step(client, cast.therapist)
    response = client.post(VERIFY, {"otp_token": code_for(device)})
    assert response.status_code == 302
    after = client.session.session_key
    assert after and after != before
    assert not SessionStore().exists(before)  # the old key is gone from the store
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get("/today/").status_code == 200
    # Still tracked under the new key, so that deactivation ends it.
    assert list(SignedInSession.objects.filter(user=cast.therapist).values_list("session_key", flat=True)) == [after]
    users.user_deactivate(user=cast.therapist, by=cast.admin)
    assert not SessionStore().exists(after)
    assert client.get("/today/").status_code == 302


def test_session_key_changes_when_an_authenticator_is_enrolled(client, cast):
    before = password_step(client, cast.therapist)
    assert client.get(SETUP).status_code == 200
    device = TOTPDevice.objects.get(user=cast.therapist, confirmed=False)
    response = client.post(SETUP, {"otp_token": code_for(device)})
    assert response.status_code == 302
    assert client.session.session_key != before
    assert SignedInSession.objects.filter(user=cast.therapist, session_key=client.session.session_key).exists()


def test_a_wrong_code_keeps_the_key_and_the_session_unverified(client, cast):
    device = totp_device_for(cast.admin)
    before = password_step(client, cast.admin)
    wrong = "000000" if code_for(device) != "000000" else "111111"
    assert client.post(VERIFY, {"otp_token": wrong}).status_code == 200
    assert client.session.session_key == before and DEVICE_ID_SESSION_KEY not in client.session


# --- Demo-mode sessions ----------------------------------------------------------------------------------------

@pytest.fixture
def demo_session(client, cast):
    """The therapist, signed in with a password and past the second factor by the demo skip."""
    with override_settings(DEMO_MODE=True):
        before = password_step(client, cast.therapist)
        assert client.post(SKIP).status_code == 302
        assert client.session.session_key != before
        assert client.session[DEMO_SKIP_SESSION_KEY] is True
        assert client.get(TODAY).status_code == 200
    return client


def test_demo_skip_session_is_ended_when_demo_mode_is_off(demo_session, cast):
    key = demo_session.session.session_key
    with override_settings(DEMO_MODE=False):
        response = demo_session.get(TODAY)
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
        assert "_auth_user_id" not in demo_session.session
        assert not SessionStore(session_key=key).exists(key)
        assert not SignedInSession.objects.filter(session_key=key).exists()
        page = demo_session.get(response["Location"]).content.decode()
        assert "only the demo allows" in page
    event = AuditEvent.objects.get(action="auth.demo_session_refused")
    assert event.actor_id == cast.therapist.pk and event.outcome == AuditEvent.Outcome.DENIED


def test_demo_skip_session_is_refused_by_the_api_when_demo_mode_is_off(demo_session):
    with override_settings(DEMO_MODE=True):
        assert demo_session.get("/api/v1/couples/").status_code == 200
    with override_settings(DEMO_MODE=False):
        response = demo_session.get("/api/v1/couples/")
        assert response.status_code == 401 and response.json()["error"]["code"] == "session_expired"
        assert demo_session.get("/api/v1/couples/").status_code == 401


def test_demo_skip_session_keeps_working_while_demo_mode_is_on(demo_session):
    with override_settings(DEMO_MODE=True):
        assert demo_session.get(TODAY).status_code == 200
        assert demo_session.get(TODAY).status_code == 200


def test_a_session_verified_by_the_demo_device_without_the_mark_is_ended_too(client, cast):
    """Sessions made before the mark existed: the demo-skip device alone is enough to refuse them."""
    device = StaticDevice.objects.create(user=cast.admin, name="demo-skip", confirmed=True)
    client.force_login(cast.admin)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    with override_settings(DEMO_MODE=False):
        response = client.get(USERS)
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
        assert "_auth_user_id" not in client.session


@override_settings(DEMO_MODE=False)
def test_a_normally_verified_session_is_not_affected(client, cast):
    device = totp_device_for(cast.admin)
    password_step(client, cast.admin)
    client.post(VERIFY, {"otp_token": code_for(device)})
    assert client.get(USERS).status_code == 200
    assert not AuditEvent.objects.filter(action="auth.demo_session_refused").exists()
