"""Sensitive administrator actions ask for the administrator's password or a current code (clinic.reauth):
deactivating a colleague, resetting their two-factor sign-in, changing their role. Same throttle and audit as
signing (README "Security" → "Re-authentication throttle")."""

from __future__ import annotations

from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from clinic.models import Role
from clinic.reauth import ADMIN_REAUTH_FAILED, ReauthThrottled
from clinic.services import users
from tests.clinic.test_reauth_throttle import code_for, pass_the_wait
from tests.factories import TEST_PASSWORD, totp_device_for

pytestmark = pytest.mark.django_db

WRONG = "not my password 1"
MISSING = "Enter your password or the code shown in your authenticator app."
THROTTLED = "Too many wrong passwords or codes in a row."


def reauth_events(purpose: str) -> list[str]:
    return list(AuditEvent.objects.filter(action=f"reauth.{purpose}").order_by("pk").values_list("outcome", flat=True))


def page(response) -> str:
    return unescape(response.content.decode())


@pytest.fixture
def admin(cast, login):
    return login(cast.admin)


# --- Deactivating a colleague ----------------------------------------------------------------------

def deactivate(admin, member, **data):
    return admin.post(reverse("clinic:user-deactivate", args=[member.pk]), data)


def test_deactivation_is_refused_without_a_password_keeping_the_choices(admin, cast):
    response = deactivate(admin, cast.therapist, all_successor=str(cast.co_therapist.pk))
    assert response.status_code == 400
    html = page(response)
    assert MISSING in html and "Nobody was deactivated" in html
    assert f'<option value="{cast.co_therapist.pk}" selected>' in html  # the choice is kept
    cast.therapist.refresh_from_db()
    assert cast.therapist.is_active
    assert reauth_events("user_deactivate") == []  # nothing was checked, so nothing counted


def test_deactivation_is_refused_with_a_wrong_password_keeping_the_choices_but_not_the_password(admin, cast):
    response = deactivate(admin, cast.therapist, all_successor=str(cast.co_therapist.pk), secret=WRONG)
    assert response.status_code == 400
    html = page(response)
    assert ADMIN_REAUTH_FAILED in html and 'href="#id_secret"' in html
    assert f'<option value="{cast.co_therapist.pk}" selected>' in html
    assert WRONG not in html
    cast.therapist.refresh_from_db()
    assert cast.therapist.is_active
    assert not AuditEvent.objects.filter(action__in=["user.deactivate", "user.offboard"]).exists()
    assert reauth_events("user_deactivate") == [AuditEvent.Outcome.FAILED]


def test_deactivation_with_the_right_password_is_done_and_audited(admin, cast):
    response = deactivate(admin, cast.therapist, all_successor=str(cast.co_therapist.pk), secret=TEST_PASSWORD)
    assert response.status_code == 302
    cast.therapist.refresh_from_db()
    assert not cast.therapist.is_active
    assert reauth_events("user_deactivate") == [AuditEvent.Outcome.OK]
    event = AuditEvent.objects.get(action="reauth.user_deactivate")
    assert event.actor_id == cast.admin.pk and event.object_id == str(cast.admin.pk)
    assert AuditEvent.objects.filter(action="user.offboard").exists()


def test_deactivation_accepts_a_current_authenticator_code(admin, cast):
    device = totp_device_for(cast.admin)
    assert deactivate(admin, cast.stranger, secret=code_for(device)).status_code == 302
    cast.stranger.refresh_from_db()
    assert not cast.stranger.is_active


def test_incomplete_choices_are_reported_before_the_password_is_checked(admin, cast):
    response = deactivate(admin, cast.therapist, secret=WRONG)
    assert response.status_code == 400 and "Choose who takes over" in page(response)
    assert reauth_events("user_deactivate") == []  # a wrong password is not spent on an incomplete form


# --- Resetting a colleague's two-factor sign-in ----------------------------------------------------

def reset(admin, member, secret=None):
    data = {"action": "reset_two_factor"}
    if secret is not None:
        data["reset-secret"] = secret
    return admin.post(reverse("clinic:user-edit", args=[member.pk]), data)


@pytest.mark.parametrize(("secret", "message", "checked"), [
    (None, MISSING, []),
    ("", MISSING, []),
    (WRONG, ADMIN_REAUTH_FAILED, [AuditEvent.Outcome.FAILED]),
])
def test_two_factor_reset_is_refused_without_the_right_password(admin, cast, secret, message, checked):
    TOTPDevice.objects.create(user=cast.therapist, confirmed=True)
    response = reset(admin, cast.therapist, secret)
    assert response.status_code == 400
    html = page(response)
    assert message in html and "Two-factor sign-in was not reset" in html and 'href="#id_reset-secret"' in html
    assert TOTPDevice.objects.filter(user=cast.therapist).exists()
    assert not AuditEvent.objects.filter(action="user.reset_two_factor").exists()
    assert reauth_events("user_reset_two_factor") == checked


def test_two_factor_reset_with_the_right_password_is_done_and_audited(admin, cast):
    TOTPDevice.objects.create(user=cast.therapist, confirmed=True)
    assert reset(admin, cast.therapist, TEST_PASSWORD).status_code == 302
    assert not TOTPDevice.objects.filter(user=cast.therapist).exists()
    assert reauth_events("user_reset_two_factor") == [AuditEvent.Outcome.OK]
    assert AuditEvent.objects.filter(action="user.reset_two_factor").exists()


def test_the_service_refuses_a_reset_without_the_right_password(cast):
    TOTPDevice.objects.create(user=cast.therapist, confirmed=True)
    with pytest.raises(ValidationError) as excinfo:
        users.user_reset_two_factor(user=cast.therapist, by=cast.admin, secret=WRONG)
    assert excinfo.value.message_dict == {"secret": [ADMIN_REAUTH_FAILED]}
    assert TOTPDevice.objects.filter(user=cast.therapist).exists()


# --- Changing a colleague's role ---------------------------------------------------------------------

def edit(admin, member, **overrides):
    data = {"action": "save", "first_name": member.first_name, "last_name": member.last_name, "email": member.email,
            "role": member.role, "credentials": member.credentials, "licence_number": member.licence_number,
            "supervisor": str(member.supervisor_id or "")}
    data.update(overrides)
    return admin.post(reverse("clinic:user-edit", args=[member.pk]), data)


@pytest.mark.parametrize(("secret", "message", "checked"), [
    ("", "Changing the role needs your password", []),
    (WRONG, ADMIN_REAUTH_FAILED, [AuditEvent.Outcome.FAILED]),
])
def test_a_role_change_is_refused_without_the_right_password_keeping_what_was_typed(admin, cast, secret, message,
                                                                                     checked):
    response = edit(admin, cast.stranger, role="practice_manager", credentials="Typed LMFT", secret=secret)
    assert response.status_code == 400
    html = page(response)
    assert message in html and 'href="#id_secret"' in html
    assert 'value="Typed LMFT"' in html and '<option value="practice_manager" selected>' in html
    assert WRONG not in html
    cast.stranger.refresh_from_db()
    assert cast.stranger.role == Role.THERAPIST and cast.stranger.credentials != "Typed LMFT"
    assert not AuditEvent.objects.filter(action="user.update").exists()
    assert reauth_events("user_role_change") == checked


def test_a_role_change_with_the_right_password_is_saved_and_audited(admin, cast):
    assert edit(admin, cast.stranger, role="practice_manager", secret=TEST_PASSWORD).status_code == 302
    cast.stranger.refresh_from_db()
    assert cast.stranger.role == Role.PRACTICE_MANAGER
    assert reauth_events("user_role_change") == [AuditEvent.Outcome.OK]
    assert AuditEvent.objects.get(action="user.update").detail == {"fields": ["role"]}


def test_other_changes_need_no_password(admin, cast):
    assert edit(admin, cast.stranger, credentials="LMFT").status_code == 302
    assert reauth_events("user_role_change") == []


def test_the_service_refuses_a_role_change_without_the_right_password(cast):
    with pytest.raises(ValidationError) as excinfo:
        users.user_update(user=cast.stranger, by=cast.admin, role=Role.ADMIN, secret="")
    assert excinfo.value.message_dict == {"secret": [ADMIN_REAUTH_FAILED]}
    cast.stranger.refresh_from_db()
    assert cast.stranger.role == Role.THERAPIST


# --- The throttle --------------------------------------------------------------------------------------

def test_five_wrong_passwords_then_the_right_one_waits_across_admin_actions(admin, cast):
    TOTPDevice.objects.create(user=cast.therapist, confirmed=True)
    assert [reset(admin, cast.therapist, WRONG).status_code for _ in range(5)] == [400] * 5
    # The wait is per user, whichever action: the right password is refused unchecked everywhere.
    for response in (reset(admin, cast.therapist, TEST_PASSWORD),
                     deactivate(admin, cast.stranger, secret=TEST_PASSWORD),
                     edit(admin, cast.stranger, role="practice_manager", secret=TEST_PASSWORD)):
        assert response.status_code == 400
        html = page(response)
        assert THROTTLED in html and "Wait 1 minute" in html and "Nothing was changed." in html
    assert TOTPDevice.objects.filter(user=cast.therapist).exists()
    cast.stranger.refresh_from_db()
    assert cast.stranger.is_active and cast.stranger.role == Role.THERAPIST
    assert reauth_events("user_reset_two_factor") == [AuditEvent.Outcome.FAILED] * 5 + [AuditEvent.Outcome.DENIED]
    assert reauth_events("user_deactivate") == [AuditEvent.Outcome.DENIED]
    assert AuditEvent.objects.filter(action="reauth.throttled", actor_id=cast.admin.pk).count() == 1

    pass_the_wait(cast.admin)
    assert reset(admin, cast.therapist, TEST_PASSWORD).status_code == 302
    assert not TOTPDevice.objects.filter(user=cast.therapist).exists()


def test_the_service_raises_the_throttle_saying_nothing_was_changed(cast):
    for _ in range(5):
        with pytest.raises(ValidationError):
            users.user_reset_two_factor(user=cast.therapist, by=cast.admin, secret=WRONG)
    with pytest.raises(ReauthThrottled) as excinfo:
        users.user_reset_two_factor(user=cast.therapist, by=cast.admin, secret=TEST_PASSWORD)
    assert excinfo.value.http_status == 429
    assert "Nothing was changed." in excinfo.value.message_dict["secret"][0]
