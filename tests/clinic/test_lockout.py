"""Sign-in lockout (clinic.lockout): per account from any address, per address across usernames, per account
and address; the web sign-in and the API token endpoint alike, probed from several loopback addresses."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessLog
from django.db.models import F
from django.urls import reverse
from django_otp.oath import TOTP

from audit.models import AuditEvent
from clinic.lockout import lockout_for, username_digest
from clinic.models import ApiToken
from tests.factories import TEST_PASSWORD, totp_device_for

pytestmark = pytest.mark.django_db

LOGIN = reverse("clinic:login")
TOKEN_URL = "/api/v1/auth/token/"
WRONG = "not the password 1"


def addr(n: int) -> str:
    return f"127.0.0.{n}"


def sign_in(client, username, password=TEST_PASSWORD, *, ip="127.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def code_for(user) -> str:
    device = totp_device_for(user)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def request_token(client, username, password=TEST_PASSWORD, otp_token="000000", *, ip="127.0.0.1"):
    body = {"username": username, "password": password, "otp_token": otp_token}
    return client.post(TOKEN_URL, data=json.dumps(body), content_type="application/json", REMOTE_ADDR=ip)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def age_failures(seconds: int) -> None:
    """As if every recorded failure happened `seconds` earlier."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(seconds=seconds))


# --- Per account, from any address ---------------------------------------------------------------------

def test_twelve_addresses_one_wrong_password_each_then_the_right_one_is_refused(client, cast):
    for n in range(1, 13):
        assert sign_in(client, cast.therapist.username, WRONG, ip=addr(n)).status_code in (200, 429)
    for ip in (addr(13), addr(3)):  # a new address, and one of the twelve
        response = sign_in(client, cast.therapist.username, ip=ip)
        assert response.status_code == 429
        assert "Sign-in paused" in response.content.decode()
        assert not signed_in(client)
    # The 10th failure started a 1-minute wait; the 11th and 12th came during it, were refused and not counted.
    assert 55 <= int(response["Retry-After"]) <= 60
    assert "Try again in 1 minute." in response.content.decode()
    assert AccessAttempt.objects.filter(username=username_digest(cast.therapist.username)).count() == 10
    locked = AuditEvent.objects.filter(action="auth.locked_out").order_by("id").last()
    assert locked.object_id == str(cast.therapist.pk) and locked.detail["scope"] == "account"
    assert not AuditEvent.objects.filter(action="auth.sign_in").exists()


def test_the_account_wait_grows_and_then_ends(client, cast):
    for n in range(1, 11):
        sign_in(client, cast.therapist.username, WRONG, ip=addr(n))
    assert sign_in(client, cast.therapist.username, ip=addr(20)).status_code == 429
    # Refused attempts during the wait do not count (the wait is still 1 minute after 10 failures).
    assert AccessAttempt.objects.filter(username=username_digest(cast.therapist.username)).count() == 10
    age_failures(61)
    response = sign_in(client, cast.therapist.username, WRONG, ip=addr(21))
    assert response.status_code == 429 and 115 <= int(response["Retry-After"]) <= 120  # 11 failures: 2 minutes
    age_failures(121)
    assert sign_in(client, cast.therapist.username, ip=addr(22)).status_code == 302
    assert signed_in(client)


def test_the_account_wait_does_not_apply_where_the_account_signed_in_before(client, cast):
    assert sign_in(client, cast.therapist.username, ip=addr(77)).status_code == 302
    client.post(reverse("clinic:logout"), REMOTE_ADDR=addr(77))
    for n in range(1, 13):
        sign_in(client, cast.therapist.username, WRONG, ip=addr(n))
    assert sign_in(client, cast.therapist.username, ip=addr(78)).status_code == 429
    # The real user at their usual address is not kept out by an attacker elsewhere.
    assert sign_in(client, cast.therapist.username, ip=addr(77)).status_code == 302
    # ... and that sign-in clears only its own address's failures, not the attack's.
    assert sign_in(client, cast.therapist.username, ip=addr(79)).status_code == 429


# --- Per address, across usernames (password spraying) ---------------------------------------------------

def test_seven_usernames_failed_from_one_address_then_another_sign_in_from_it_is_refused(client, cast):
    names = [cast.co_therapist.username, cast.stranger.username, cast.supervisor.username,
             cast.manager.username, "nobody.one", "nobody.two", "nobody.three"]
    for name in names:
        sign_in(client, name, WRONG, ip=addr(50))
    response = sign_in(client, cast.admin.username, ip=addr(50))
    assert response.status_code == 429 and not signed_in(client)
    # The 5th username started a 1-minute wait (the 6th and 7th were refused during it).
    assert 55 <= int(response["Retry-After"]) <= 60
    assert AuditEvent.objects.filter(action="auth.locked_out").order_by("id").last().detail["scope"] == "address"
    # Another address is not affected.
    assert sign_in(client, cast.admin.username, ip=addr(51)).status_code == 302


def test_four_usernames_from_one_address_are_not_delayed(client, cast):
    for name in ("nobody.one", "nobody.two", "nobody.three", "nobody.four"):
        sign_in(client, name, WRONG, ip=addr(52))
    assert sign_in(client, cast.admin.username, ip=addr(52)).status_code == 302


# --- Per account and address ---------------------------------------------------------------------------

def test_five_failures_for_one_account_from_one_address_pause_only_that_pair(client, cast):
    for _ in range(5):
        sign_in(client, cast.therapist.username, WRONG, ip=addr(60))
    response = sign_in(client, cast.therapist.username, ip=addr(60))
    assert response.status_code == 429 and "Try again in 15 minutes" in response.content.decode()
    assert sign_in(client, cast.therapist.username, ip=addr(61)).status_code == 302


# --- Unknown users and what is stored ---------------------------------------------------------------------

def test_an_unknown_user_is_paused_exactly_like_a_known_one(client, cast):
    for n in range(1, 13):
        known = sign_in(client, cast.therapist.username, WRONG, ip=addr(n))
        unknown = sign_in(client, "nobody.here", WRONG, ip=addr(100 + n))
        assert known.status_code == unknown.status_code
    known = sign_in(client, cast.therapist.username, ip=addr(30))
    unknown = sign_in(client, "nobody.here", ip=addr(31))
    assert known.status_code == unknown.status_code == 429
    assert known["Retry-After"] == unknown["Retry-After"]

    def card(response):
        page = response.content.decode()
        return page[page.index('<div class="card auth-card">'):page.index("</main>")]

    assert card(known) == card(unknown) and "Try again in 1 minute." in card(known)


def test_typed_usernames_are_not_stored_in_clear(client, cast):
    sign_in(client, "Client Name Typed Here", WRONG, ip=addr(40))
    sign_in(client, cast.therapist.username, WRONG, ip=addr(40))
    sign_in(client, cast.therapist.username, ip=addr(41))
    request_token(client, "Another Typed Name", WRONG, ip=addr(42))
    stored = [str(value) for row in AccessAttempt.objects.values() for value in row.values()]
    stored += [str(value) for row in AccessLog.objects.values() for value in row.values()]
    for typed in ("Client Name Typed Here", "Another Typed Name", cast.therapist.username):
        assert not any(typed.lower() in value.lower() for value in stored), typed
    assert AccessAttempt.objects.filter(username=username_digest("client name typed here")).exists()
    assert AccessLog.objects.filter(username=username_digest(cast.therapist.username), ip_address=addr(41)).exists()


# --- The API token endpoint --------------------------------------------------------------------------------

def test_token_endpoint_twelve_addresses_then_the_right_credentials_are_refused(client, cast):
    for n in range(1, 13):
        request_token(client, cast.therapist.username, WRONG, "123456", ip=addr(n))
    response = request_token(client, cast.therapist.username, otp_token=code_for(cast.therapist), ip=addr(13))
    assert response.status_code == 429
    error = response.json()["error"]
    assert error["code"] == "locked_out" and "Try again in 1 minute." in error["message"]
    assert 55 <= int(response["Retry-After"]) <= 60
    assert not ApiToken.objects.exists()


def test_token_endpoint_spraying_from_one_address_is_refused(client, cast):
    for name in ("nobody.one", "nobody.two", "nobody.three", cast.stranger.username, cast.manager.username,
                 cast.co_therapist.username, cast.supervisor.username):
        request_token(client, name, WRONG, "123456", ip=addr(90))
    response = request_token(client, cast.therapist.username, otp_token=code_for(cast.therapist), ip=addr(90))
    assert response.status_code == 429 and response.json()["error"]["code"] == "locked_out"
    response = request_token(client, cast.therapist.username, otp_token=code_for(cast.therapist), ip=addr(91))
    assert response.status_code == 200


def test_web_and_api_failures_count_together(client, cast):
    for n in range(1, 7):
        sign_in(client, cast.therapist.username, WRONG, ip=addr(n))
        request_token(client, cast.therapist.username, WRONG, "123456", ip=addr(n + 20))
    assert sign_in(client, cast.therapist.username, ip=addr(99)).status_code == 429


def test_a_rule_with_limit_zero_is_off(client, cast, settings):
    """Behind a proxy that hides client addresses, the per-address rule can be turned off."""
    settings.RAPPORT_LOCKOUT = {**settings.RAPPORT_LOCKOUT,
                                "address": {**settings.RAPPORT_LOCKOUT["address"], "limit": 0}}
    for name in ("nobody.one", "nobody.two", "nobody.three", "nobody.four", "nobody.five", "nobody.six"):
        sign_in(client, name, WRONG, ip=addr(53))
    assert sign_in(client, cast.admin.username, ip=addr(53)).status_code == 302


def test_token_endpoint_address_where_the_account_got_a_token_before_is_known(client, cast):
    device = totp_device_for(cast.therapist)
    first = request_token(client, cast.therapist.username, otp_token=code_for(cast.therapist), ip=addr(70))
    assert first.status_code == 200
    for n in range(1, 13):
        request_token(client, cast.therapist.username, WRONG, "123456", ip=addr(n))
    device.refresh_from_db()
    device.last_t -= 1  # let the same 30-second code work once more
    device.save()
    assert request_token(client, cast.therapist.username, otp_token=code_for(cast.therapist),
                         ip=addr(70)).status_code == 200
    assert request_token(client, cast.therapist.username, otp_token=code_for(cast.therapist),
                         ip=addr(71)).status_code == 429


def test_the_lockout_decision_is_a_few_queries(client, cast, django_assert_max_num_queries):
    for n in range(1, 4):
        sign_in(client, cast.therapist.username, WRONG, ip=addr(n))
    with django_assert_max_num_queries(3):  # one aggregate per rule
        assert not lockout_for(username_digest(cast.therapist.username), addr(1)).locked
    for n in range(4, 11):
        sign_in(client, cast.therapist.username, WRONG, ip=addr(n))
    with django_assert_max_num_queries(4):  # and whether the address is known, once the account rule bites
        assert lockout_for(username_digest(cast.therapist.username), addr(1)).locked
