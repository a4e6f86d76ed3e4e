"""The second factor: required everywhere, TOTP and backup codes, enrolment, backup codes page, demo skip."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from clinic.selectors import staff as staff_selectors
from clinic.services import users
from tests.factories import TEST_PASSWORD, sign_in_verified

LOGIN = reverse("clinic:login")
VERIFY = reverse("clinic:two-factor")
SETUP = reverse("clinic:two-factor-setup")
CODES = reverse("clinic:two-factor-backup-codes")
SKIP = reverse("clinic:two-factor-skip")
USERS = reverse("clinic:user-list")


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The authenticator app's current code (or the one `steps_ahead` steps later, within tolerance)."""
    value = totp(device.bin_key, step=device.step, t0=device.t0 - steps_ahead * device.step,
                 digits=device.digits, drift=device.drift)
    return f"{value:0{device.digits}d}"


def password_only(client, user):
    """Signed in with a password, second factor not yet passed."""
    client.force_login(user)
    return client


@pytest.fixture
def enrolled(cast):
    """The admin, with a confirmed authenticator and two known backup codes."""
    device = TOTPDevice.objects.create(user=cast.admin, name="Authenticator app", confirmed=True)
    backup = StaticDevice.objects.create(user=cast.admin, name="backup")
    backup.token_set.create(token="abcd2345")
    backup.token_set.create(token="wxyz6789")
    return device


def events(action):
    return AuditEvent.objects.filter(action=action)


# --- Required everywhere -------------------------------------------------------------------------

def test_unverified_user_cannot_open_a_normal_page(client, cast, enrolled):
    password_only(client, cast.admin)
    response = client.get(USERS)
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next={USERS}"


def test_unverified_user_cannot_use_the_api(client, cast, enrolled):
    password_only(client, cast.admin)
    response = client.get("/api/v1/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "second_factor_required"


def test_verified_user_can_open_a_normal_page(client, cast, login):
    login(cast.admin)
    assert client.get(USERS).status_code == 200


@pytest.mark.django_db
def test_anonymous_cannot_open_two_factor_pages(client):
    for url in (VERIFY, SETUP, CODES):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)


# --- Verification -------------------------------------------------------------------------------

def test_unenrolled_user_is_sent_to_setup(client, cast):
    password_only(client, cast.therapist)
    response = client.get(VERIFY, {"next": "/couples/"})
    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?next=/couples/"


def test_verify_page_explains_lost_phone_and_is_not_cached(client, cast, enrolled):
    password_only(client, cast.admin)
    response = client.get(VERIFY)
    assert response.status_code == 200
    content = response.content.decode()
    assert "6-digit code from your authenticator app, or a backup code" in content
    assert "backup code" in content and "ask your practice administrator to reset" in content
    assert "no-store" in response["Cache-Control"]
    assert "Skip two-factor" not in content


def test_user_can_verify_with_a_current_totp_code(client, cast, enrolled):
    password_only(client, cast.admin)
    response = client.post(VERIFY, {"otp_token": code_for(enrolled), "next": USERS})
    assert response.status_code == 302 and response["Location"] == USERS
    assert client.session[DEVICE_ID_SESSION_KEY] == enrolled.persistent_id
    assert client.get(USERS).status_code == 200
    event = events("auth.two_factor_passed").get()
    assert event.actor_id == cast.admin.pk and event.detail == {"method": "authenticator"}


def test_user_can_verify_with_a_code_from_the_next_time_step(client, cast, enrolled):
    password_only(client, cast.admin)
    response = client.post(VERIFY, {"otp_token": code_for(enrolled, steps_ahead=1)})
    assert response.status_code == 302 and response["Location"] == reverse("clinic:home")


def test_user_cannot_verify_with_a_wrong_code(client, cast, enrolled):
    password_only(client, cast.admin)
    wrong = f"{(int(code_for(enrolled)) + 1) % 1_000_000:06d}"
    response = client.post(VERIFY, {"otp_token": wrong})
    assert response.status_code == 200
    content = response.content.decode()
    assert "That code is not right" in content and "error-summary" in content
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert client.get(USERS).status_code == 302
    event = events("auth.two_factor_failed").get()
    assert event.outcome == AuditEvent.Outcome.FAILED and event.detail["method"] == "authenticator"


def test_user_cannot_verify_while_throttled_even_with_the_right_code(client, cast, enrolled):
    enrolled.throttling_failure_count = 3
    enrolled.throttling_failure_timestamp = timezone.now()
    enrolled.save()
    password_only(client, cast.admin)
    response = client.post(VERIFY, {"otp_token": code_for(enrolled)})
    assert response.status_code == 200
    assert "Too many wrong codes in a row. Wait" in response.content.decode()
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert events("auth.two_factor_failed").get().detail["throttled"] is True


def test_user_can_verify_once_the_throttle_wait_is_over(client, cast, enrolled):
    enrolled.throttling_failure_count = 1
    enrolled.throttling_failure_timestamp = timezone.now() - timedelta(seconds=5)
    enrolled.save()
    password_only(client, cast.admin)
    assert client.post(VERIFY, {"otp_token": code_for(enrolled)}).status_code == 302


def test_totp_code_cannot_be_replayed(client, cast, enrolled):
    code = code_for(enrolled)
    password_only(client, cast.admin)
    assert client.post(VERIFY, {"otp_token": code}).status_code == 302
    client.logout()
    password_only(client, cast.admin)
    assert client.post(VERIFY, {"otp_token": code}).status_code == 200
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_backup_code_works_once_only(client, cast, enrolled):
    password_only(client, cast.admin)
    response = client.post(VERIFY, {"otp_token": "ABCD-2345"})  # case and dashes are forgiven
    assert response.status_code == 302
    assert client.get(USERS).status_code == 200
    assert not StaticToken.objects.filter(token="abcd2345").exists()
    assert events("auth.two_factor_passed").get().detail == {"method": "backup_code"}

    client.logout()
    password_only(client, cast.admin)
    response = client.post(VERIFY, {"otp_token": "abcd2345"})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_backup_code_sign_in_warns_how_many_are_left(client, cast, enrolled):
    password_only(client, cast.admin)
    response = client.post(VERIFY, {"otp_token": "wxyz6789"}, follow=True)
    assert "You signed in with a backup code; 1 left." in response.content.decode()


def test_wrong_backup_code_does_not_throttle_the_authenticator(client, cast, enrolled):
    password_only(client, cast.admin)
    client.post(VERIFY, {"otp_token": "zzzz2222"})
    enrolled.refresh_from_db()
    assert enrolled.throttling_failure_count == 0
    assert client.post(VERIFY, {"otp_token": code_for(enrolled)}).status_code == 302


def test_already_verified_user_is_sent_on_from_verify(client, cast, login):
    login(cast.admin)
    response = client.get(VERIFY, {"next": USERS})
    assert response.status_code == 302 and response["Location"] == USERS


# --- Enrolment ----------------------------------------------------------------------------------

def test_new_user_can_enrol_end_to_end(client, cast):
    response = client.post(LOGIN, {"username": cast.admin.username, "password": TEST_PASSWORD, "next": USERS})
    response = client.get(response["Location"])
    assert response.status_code == 302 and response["Location"] == f"{SETUP}?next=/manage/users/"

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    content = page.content.decode()
    svg = re.search(r"<svg[^>]*>.*?</svg>", content, re.S).group(0)
    assert "viewBox" in svg and "style=" not in svg
    assert "style=" not in content and "<script>" not in content
    device = TOTPDevice.objects.get(user=cast.admin)
    assert not device.confirmed
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode()
    assert " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)) in content
    assert "Install an authenticator app" in content

    # A second visit shows the same secret rather than making another device.
    client.get(SETUP)
    assert TOTPDevice.objects.filter(user=cast.admin).count() == 1

    response = client.post(SETUP, {"otp_token": code_for(device), "next": USERS})
    assert response.status_code == 302
    assert response["Location"] == f"{CODES}?next=/manage/users/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    stored = set(StaticToken.objects.filter(device__user=cast.admin, device__name="backup")
                 .values_list("token", flat=True))
    assert len(stored) == 10
    assert events("auth.two_factor_enrolled").get().actor_id == cast.admin.pk

    codes_page = client.get(response["Location"])
    assert codes_page.status_code == 200
    assert "no-store" in codes_page["Cache-Control"]
    shown = set(re.findall(r"<li><code>([a-z2-7]{8})</code></li>", codes_page.content.decode()))
    assert shown == stored
    assert f'href="{USERS}"' in codes_page.content.decode()

    # Shown once: the next visit does not show them again.
    again = client.get(CODES).content.decode()
    assert not any(code in again for code in stored)
    assert "10 unused backup codes" in again

    assert client.get(USERS).status_code == 200


def test_enrolment_is_refused_with_a_wrong_code(client, cast):
    password_only(client, cast.therapist)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=cast.therapist)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = client.post(SETUP, {"otp_token": wrong})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert not StaticDevice.objects.filter(user=cast.therapist).exists()
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert events("auth.two_factor_failed").get().detail["stage"] == "enrolment"


def test_enrolled_user_cannot_enrol_another_authenticator_with_only_a_password(client, cast, enrolled):
    password_only(client, cast.admin)
    response = client.get(SETUP)
    assert response.status_code == 302 and response["Location"] == VERIFY
    response = client.post(SETUP, {"otp_token": "123456"})
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(user=cast.admin).count() == 1


# --- Backup codes page ----------------------------------------------------------------------------

def test_unverified_user_cannot_see_backup_codes_page(client, cast, enrolled):
    password_only(client, cast.admin)
    response = client.get(CODES)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)


def test_user_can_regenerate_backup_codes_with_a_current_code(client, cast, enrolled):
    sign_in_verified(client, cast.admin)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = enrolled.persistent_id
    session.save()
    page = client.get(CODES).content.decode()
    assert "2 unused backup codes" in page and "abcd2345" not in page

    response = client.post(CODES, {"otp_token": code_for(enrolled)})
    assert response.status_code == 302
    codes_page = client.get(CODES).content.decode()
    shown = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", codes_page)
    assert len(shown) == 10
    assert not StaticToken.objects.filter(token__in=["abcd2345", "wxyz6789"]).exists()
    assert events("auth.backup_codes_regenerated").count() == 1
    assert shown[0] not in client.get(CODES).content.decode()


def test_user_cannot_regenerate_backup_codes_with_a_wrong_or_backup_code(client, cast, enrolled):
    sign_in_verified(client, cast.admin)
    for token in ("000000" if code_for(enrolled) != "000000" else "111111", "abcd2345"):
        response = client.post(CODES, {"otp_token": token})
        assert response.status_code == 200
        assert "That code is not right" in response.content.decode()
        enrolled.throttle_reset()
    assert StaticToken.objects.filter(token="abcd2345").exists()
    assert not events("auth.backup_codes_regenerated").exists()


# --- Demo skip ------------------------------------------------------------------------------------

@override_settings(DEMO_MODE=False)
def test_user_cannot_skip_two_factor_outside_the_demo(client, cast, enrolled):
    password_only(client, cast.admin)
    assert client.post(SKIP).status_code == 404
    assert client.get(SKIP).status_code == 404
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert client.get(USERS).status_code == 302
    assert not StaticDevice.objects.filter(name="demo-skip").exists()


@override_settings(DEMO_MODE=True)
def test_demo_user_can_skip_two_factor(client, cast, enrolled):
    password_only(client, cast.admin)
    page = client.get(VERIFY).content.decode()
    assert "Skip two-factor (demo only)" in page and "demo-skip" in page
    response = client.post(SKIP, {"next": USERS})
    assert response.status_code == 302 and response["Location"] == USERS
    assert client.get(USERS).status_code == 200
    device = StaticDevice.objects.get(user=cast.admin, name="demo-skip")
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert events("auth.two_factor_skipped_demo").get().actor_id == cast.admin.pk


@override_settings(DEMO_MODE=True)
def test_demo_skip_is_post_only_and_offered_on_setup(client, cast):
    password_only(client, cast.therapist)
    assert client.get(SKIP).status_code == 405
    assert "Skip two-factor (demo only)" in client.get(SETUP).content.decode()


@override_settings(DEMO_MODE=True)
def test_anonymous_cannot_skip_two_factor_in_the_demo(client, db):
    response = client.post(SKIP)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_demo_skip_device_is_not_counted_as_enrolment(cast):
    with override_settings(DEMO_MODE=True):
        users.demo_skip_device(user=cast.therapist)
    assert staff_selectors.confirmed_totp_device(cast.therapist) is None
    assert not staff_selectors.two_factor_enrolled(cast.therapist)
