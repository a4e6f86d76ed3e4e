"""Re-authentication (clinic.reauth) has its own per-user throttle, apart from the authenticator's (django-otp)."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice

from audit.models import AuditEvent
from clinic.models import ReauthThrottle
from clinic.reauth import ReauthThrottled, confirm_identity
from notes.models import NoteStatus, ProgressNote
from notes.services import notes as note_services
from tests.factories import TEST_PASSWORD, totp_device_for
from tests.notes.note_factories import SOAP_TEXT, SessionFactory, all_clear_risk
from tests.notes.test_note_editor import sign_data

pytestmark = pytest.mark.django_db

WRONG = "not my password 1"


def code_for(device) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def draft(cast):
    session = SessionFactory(couple=cast.couple, therapist=cast.therapist)
    note, _ = note_services.note_start(session=session, by=cast.therapist)
    return note_services.note_save_draft(note=note, by=cast.therapist, base_version=note.version,
                                         content=dict(SOAP_TEXT), risk=all_clear_risk())


def sign_api(client, note, secret):
    return client.post(reverse("note-sign", args=[note.pk]), {"version": note.version, "secret": secret},
                       content_type="application/json")


def pass_the_wait(user) -> None:
    ReauthThrottle.objects.filter(user=user).update(last_failure_at=ReauthThrottle.objects.get(user=user)
                                                    .last_failure_at - timedelta(hours=2))


def test_25_wrong_passwords_on_the_sign_endpoint_then_the_right_one_is_refused(cast, login, draft):
    client = login(cast.therapist)
    device = totp_device_for(cast.therapist)
    statuses = [sign_api(client, draft, WRONG).status_code for _ in range(25)]
    # Five are checked (and fail); the fifth starts a 1-minute wait, and the other twenty are refused unchecked.
    assert statuses == [400] * 5 + [429] * 20
    response = sign_api(client, draft, TEST_PASSWORD)
    assert response.status_code == 429
    error = response.json()["error"]
    assert error["code"] == "reauth_throttled"
    assert re.match(r"Too many wrong passwords or codes in a row\. Wait (5\d seconds|1 minute), then try again\.",
                    error["message"])
    assert "Too many wrong" in error["fields"]["secret"][0]
    assert 55 <= int(response["Retry-After"]) <= 60
    draft.refresh_from_db()
    assert draft.status == NoteStatus.DRAFT and draft.signed_at is None

    # The page says so too, and nothing is signed.
    page = client.post(reverse("notes:note-sign", args=[draft.pk]), sign_data(draft))
    assert page.status_code == 400
    assert "Too many wrong passwords or codes in a row" in page.content.decode()
    assert ProgressNote.objects.get(pk=draft.pk).signed_at is None

    # Audited: every attempt, the refused ones as "denied", and the throttle itself.
    attempts = AuditEvent.objects.filter(action="reauth.note_sign", actor_id=cast.therapist.pk)
    assert attempts.filter(outcome="failed").count() == 5
    assert attempts.filter(outcome="denied").count() == 22
    assert AuditEvent.objects.filter(action="reauth.throttled", actor_id=cast.therapist.pk).count() == 1

    # The authenticator's own throttle was never touched: the user's next sign-in with a correct code works.
    device.refresh_from_db()
    assert device.throttling_failure_count == 0
    browser = Client()
    assert browser.post(reverse("clinic:login"), {"username": cast.therapist.username,
                                                  "password": TEST_PASSWORD}).status_code == 302
    response = browser.post(reverse("clinic:two-factor"), {"otp_token": code_for(device)})
    assert response.status_code == 302 and response["Location"] == reverse("clinic:home")
    assert browser.get("/today/").status_code == 200

    # The wait ends: then the right password signs.
    pass_the_wait(cast.therapist)
    assert sign_api(client, draft, TEST_PASSWORD).status_code == 200
    assert ReauthThrottle.objects.get(user=cast.therapist).failures == 0


def test_the_wait_grows_with_each_failure_after_it(cast):
    for _ in range(5):
        assert not confirm_identity(cast.therapist, WRONG, purpose="note_sign")
    with pytest.raises(ReauthThrottled) as refused:
        confirm_identity(cast.therapist, TEST_PASSWORD, purpose="note_sign")
    assert 55 <= refused.value.wait <= 60
    pass_the_wait(cast.therapist)
    assert not confirm_identity(cast.therapist, WRONG, purpose="note_sign")
    with pytest.raises(ReauthThrottled) as refused:
        confirm_identity(cast.therapist, TEST_PASSWORD, purpose="plan_sign")  # one throttle for every purpose
    assert 115 <= refused.value.wait <= 120


def test_throttle_is_per_user(cast):
    for _ in range(5):
        confirm_identity(cast.therapist, WRONG, purpose="note_sign")
    assert confirm_identity(cast.co_therapist, TEST_PASSWORD, purpose="note_sign")


def test_four_failures_then_success_clears_the_count(cast):
    for _ in range(4):
        confirm_identity(cast.therapist, WRONG, purpose="note_sign")
    assert confirm_identity(cast.therapist, TEST_PASSWORD, purpose="note_sign")
    for _ in range(4):
        confirm_identity(cast.therapist, WRONG, purpose="note_sign")
    assert confirm_identity(cast.therapist, TEST_PASSWORD, purpose="note_sign")


def test_a_current_code_confirms_once_and_a_wrong_one_leaves_the_device_throttle_alone(cast):
    device = totp_device_for(cast.therapist)
    code = code_for(device)
    assert confirm_identity(cast.therapist, code, purpose="note_sign")
    assert not confirm_identity(cast.therapist, code, purpose="note_sign")  # no replay
    wrong = "000000" if code_for(device) != "000000" else "111111"
    assert not confirm_identity(cast.therapist, wrong, purpose="note_sign")
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_a_backup_code_confirms_once_but_the_demo_skip_device_never_does(cast):
    backup = StaticDevice.objects.create(user=cast.therapist, name="backup", confirmed=True)
    backup.token_set.create(token="abcd2345")
    StaticDevice.objects.create(user=cast.therapist, name="demo-skip", confirmed=True)
    assert confirm_identity(cast.therapist, "ABCD 2345", purpose="note_sign")
    assert not confirm_identity(cast.therapist, "abcd2345", purpose="note_sign")
    assert not confirm_identity(cast.therapist, "", purpose="note_sign")
