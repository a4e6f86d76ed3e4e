"""Sign-in, sign-out, lockout and invite acceptance (clinic.views.auth)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from audit.models import AuditEvent
from clinic.models import SignedInSession
from tests.factories import TEST_PASSWORD, UserFactory

LOGIN = reverse("clinic:login")
TWO_FACTOR = reverse("clinic:two-factor")
WRONG_LOGIN_TEXT = "The username or password is not right"


def sign_in(client, username, password=TEST_PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def events(action):
    return AuditEvent.objects.filter(action=action)


# --- The sign-in page ---------------------------------------------------------------------------

@pytest.mark.django_db
def test_anonymous_can_see_login_page_not_cached(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert b'name="username"' in response.content and b'name="password"' in response.content
    assert b'<label for="id_username"' in response.content
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_anonymous_is_sent_to_login_from_a_normal_page(client):
    response = client.get(reverse("clinic:user-list"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_user_can_sign_in_with_correct_password(client, cast):
    response = sign_in(client, cast.therapist.username)
    assert response.status_code == 302
    assert response["Location"] == TWO_FACTOR
    assert client.session["_auth_user_id"] == str(cast.therapist.pk)
    assert SignedInSession.objects.filter(user=cast.therapist, session_key=client.session.session_key).exists()
    event = events("auth.sign_in").get()
    assert event.actor_id == cast.therapist.pk and event.outcome == AuditEvent.Outcome.OK


def test_user_can_sign_in_and_keep_a_safe_next(client, cast):
    response = sign_in(client, cast.therapist.username, next="/couples/")
    assert response["Location"] == f"{TWO_FACTOR}?next=/couples/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_user_cannot_be_sent_offsite_after_sign_in(client, cast, target):
    response = sign_in(client, cast.therapist.username, next=target)
    assert response["Location"] == TWO_FACTOR


def test_user_cannot_sign_in_with_wrong_password(client, cast):
    response = sign_in(client, cast.therapist.username, "not the password")
    assert response.status_code == 200
    assert WRONG_LOGIN_TEXT in response.content.decode()
    assert b"error-summary" in response.content
    assert "_auth_user_id" not in client.session
    event = events("auth.sign_in_failed").get()
    assert event.outcome == AuditEvent.Outcome.FAILED
    assert event.detail == {"known_user": True}
    assert event.object_id == str(cast.therapist.pk)


def test_wrong_password_and_unknown_user_look_the_same(client, cast):
    known = sign_in(client, cast.therapist.username, "not the password").content.decode()
    unknown = sign_in(client, "nobody.here", "not the password").content.decode()

    def error_part(page):
        part = page[page.index('<div class="error-summary"'):page.index('name="username"')]
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", part)

    assert WRONG_LOGIN_TEXT in error_part(unknown)
    assert error_part(known) == error_part(unknown)
    unknown_event = events("auth.sign_in_failed").order_by("id").last()
    assert unknown_event.detail == {"known_user": False} and unknown_event.actor_id is None
    assert "nobody.here" not in str(unknown_event.detail) and unknown_event.actor_username == ""


def test_deactivated_user_cannot_sign_in_and_is_not_told_why(client, cast):
    cast.stranger.is_active = False
    cast.stranger.save()
    response = sign_in(client, cast.stranger.username)
    assert response.status_code == 200
    content = response.content.decode()
    assert WRONG_LOGIN_TEXT in content and "inactive" not in content.lower()
    assert "_auth_user_id" not in client.session


# --- Lockout (django-axes) -------------------------------------------------------------------------

def test_user_is_locked_out_after_five_failures_and_lockout_is_audited(client, cast):
    for _ in range(4):
        assert sign_in(client, cast.therapist.username, "wrong").status_code == 200
    response = sign_in(client, cast.therapist.username, "wrong")
    assert response.status_code == 429
    content = response.content.decode()
    assert "Sign-in paused" in content
    assert "Try again in 15 minutes" in content
    assert "contact your practice administrator" in content
    assert "no-store" in response["Cache-Control"]
    locked = events("auth.locked_out").get()
    assert locked.outcome == AuditEvent.Outcome.DENIED and locked.object_id == str(cast.therapist.pk)
    assert events("auth.sign_in_failed").count() == 5

    # Even the right password is refused while the lockout lasts.
    response = sign_in(client, cast.therapist.username)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert not events("auth.sign_in").exists()


def test_lockout_of_one_user_does_not_lock_another(client, cast):
    for _ in range(5):
        sign_in(client, cast.therapist.username, "wrong")
    response = sign_in(client, cast.co_therapist.username)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(cast.co_therapist.pk)


def test_successful_sign_in_resets_the_failure_count(client, cast):
    for _ in range(4):
        sign_in(client, cast.therapist.username, "wrong")
    assert sign_in(client, cast.therapist.username).status_code == 302
    client.post(reverse("clinic:logout"))
    for _ in range(4):
        assert sign_in(client, cast.therapist.username, "wrong").status_code == 200


# --- Sign-out ----------------------------------------------------------------------------------

def test_user_can_sign_out(client, login, cast):
    login(cast.therapist)
    key = client.session.session_key
    assert SignedInSession.objects.filter(session_key=key).exists()
    response = client.post(reverse("clinic:logout"))
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert "_auth_user_id" not in client.session
    assert not SignedInSession.objects.filter(session_key=key).exists()
    assert events("auth.sign_out").get().actor_id == cast.therapist.pk
    page = client.get(LOGIN)
    assert "You have signed out." in page.content.decode()


def test_user_cannot_sign_out_with_get(client, login, cast):
    login(cast.therapist)
    assert client.get(reverse("clinic:logout")).status_code == 405
    assert "_auth_user_id" in client.session


def test_signed_in_verified_user_visiting_login_goes_home(client, login, cast):
    login(cast.admin)
    response = client.get(LOGIN, {"next": reverse("clinic:user-list")})
    assert response.status_code == 302 and response["Location"] == reverse("clinic:user-list")


# --- Invite acceptance --------------------------------------------------------------------------

NEW_PASSWORD = "walnut lantern orbit 7731"


@pytest.fixture
def invitee(cast):
    user = UserFactory(practice=cast.practice, username="nina.new", role="therapist")
    user.set_unusable_password()
    user.save()
    return user


def invite_url(user, token=None):
    return reverse("clinic:invite-accept", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": token or default_token_generator.make_token(user),
    })


def test_invited_user_can_set_password_then_sign_in_and_enrol(client, invitee):
    url = invite_url(invitee)
    page = client.get(url)
    assert page.status_code == 200
    assert "nina.new" in page.content.decode()
    assert "no-store" in page["Cache-Control"]
    response = client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == LOGIN
    invitee.refresh_from_db()
    assert invitee.check_password(NEW_PASSWORD)
    assert events("user.invite_accepted").get().object_id == str(invitee.pk)

    response = sign_in(client, "nina.new", NEW_PASSWORD)
    assert response["Location"] == TWO_FACTOR
    assert client.get(TWO_FACTOR)["Location"] == reverse("clinic:two-factor-setup")


def test_invited_user_cannot_choose_a_weak_password(client, invitee):
    url = invite_url(invitee)
    response = client.post(url, {"new_password1": "password", "new_password2": "password"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "error-summary" in content and "too short" in content
    invitee.refresh_from_db()
    assert not invitee.has_usable_password()


def test_invite_link_cannot_be_used_twice(client, invitee):
    url = invite_url(invitee)
    client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    response = client.get(url)
    assert response.status_code == 400
    assert "cannot be used" in response.content.decode()
    again = client.post(url, {"new_password1": "another fine password 99", "new_password2": "another fine password 99"})
    assert again.status_code == 400
    invitee.refresh_from_db()
    assert invitee.check_password(NEW_PASSWORD)


@pytest.mark.parametrize("uidb64,token", [
    ("not-base64!", "abc-def"),
    ("MTIz", "abc-def"),  # "123": not a UUID
    (urlsafe_base64_encode(b"00000000-0000-0000-0000-000000000000"), "abc-def"),
])
@pytest.mark.django_db
def test_broken_invite_link_shows_a_clear_page(client, uidb64, token):
    response = client.get(reverse("clinic:invite-accept", kwargs={"uidb64": uidb64, "token": token}))
    assert response.status_code == 400
    assert "ask your practice administrator for a new invite link" in response.content.decode()


def test_invite_link_with_wrong_token_is_refused(client, invitee):
    response = client.get(invite_url(invitee, token="c0ffee-0123456789abcdef0123456789abcdef"))
    assert response.status_code == 400


def test_invite_link_of_deactivated_user_is_refused(client, invitee):
    url = invite_url(invitee)
    invitee.is_active = False
    invitee.save()
    assert client.get(url).status_code == 400
