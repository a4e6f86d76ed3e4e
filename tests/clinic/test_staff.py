"""Administration pages: staff list, invite, edit, 2FA reset, deactivation, practice settings."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from clinic.models import Role, User
from clinic.services import users
from tests.factories import TEST_PASSWORD, UserFactory, sign_in_verified

LOGIN = reverse("clinic:login")
LOCALE = {"country": "GB", "paper_size": "a4", "language": "en-gb", "time_zone": "Europe/London", "date_style": "dmy"}
REFUSED_ROLES = ["therapist", "co_therapist", "stranger", "supervisor", "manager", "outsider"]


def pages(cast):
    """(method, url, data) for every admin page, aimed at colleagues of the cast's practice."""
    return {
        "user-list": ("get", reverse("clinic:user-list"), None),
        "user-invite": ("get", reverse("clinic:user-invite"), None),
        "user-edit": ("get", reverse("clinic:user-edit", args=[cast.therapist.pk]), None),
        "user-deactivate": ("post", reverse("clinic:user-deactivate", args=[cast.stranger.pk]),
                            {"secret": TEST_PASSWORD}),
        "practice-settings": ("get", reverse("clinic:practice-settings"), None),
    }


PAGE_NAMES = ["user-list", "user-invite", "user-edit", "user-deactivate", "practice-settings"]


def call(client, cast, page):
    method, url, data = pages(cast)[page]
    return getattr(client, method)(url, data or {})


def events(action):
    return AuditEvent.objects.filter(action=action)


@pytest.fixture
def other_admin(cast):
    return UserFactory(practice=cast.other_practice, role="admin", username="olga.otheradmin")


@pytest.fixture
def admin(client, login, cast):
    login(cast.admin)
    return client


# --- Who may open each page -------------------------------------------------------------------------

@pytest.mark.parametrize("page", PAGE_NAMES)
def test_admin_can_use_admin_page(admin, cast, page):
    response = call(admin, cast, page)
    assert response.status_code == (302 if page == "user-deactivate" else 200)
    assert "no-store" in response["Cache-Control"]
    if response.status_code == 200:
        assert "style=" not in response.content.decode()


@pytest.mark.parametrize("role", REFUSED_ROLES)
@pytest.mark.parametrize("page", PAGE_NAMES)
def test_non_admin_cannot_use_admin_page(client, login, cast, role, page):
    login(getattr(cast, role))
    response = call(client, cast, page)
    assert response.status_code == 403
    assert "You do not have permission" in response.content.decode()
    assert events("access.denied").filter(actor_id=getattr(cast, role).pk).exists()
    cast.stranger.refresh_from_db()
    assert cast.stranger.is_active


@pytest.mark.parametrize("page", PAGE_NAMES)
def test_anonymous_cannot_use_admin_page(client, cast, page):
    response = call(client, cast, page)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    cast.stranger.refresh_from_db()
    assert cast.stranger.is_active


@pytest.mark.parametrize("page", ["user-edit", "user-deactivate"])
def test_admin_of_another_practice_cannot_reach_this_practices_users(client, login, cast, other_admin, page):
    login(other_admin)
    response = call(client, cast, page)
    assert response.status_code == 404
    cast.stranger.refresh_from_db()
    assert cast.stranger.is_active


def test_admin_of_another_practice_sees_only_their_own_staff(client, login, cast, other_admin):
    login(other_admin)
    content = client.get(reverse("clinic:user-list")).content.decode()
    assert "olga.otheradmin" in content and "otto.outsider" in content
    assert "tess.therapist" not in content and "adam.admin" not in content


def test_admin_of_another_practice_cannot_edit_or_reset_this_practices_users(client, login, cast, other_admin):
    TOTPDevice.objects.create(user=cast.therapist, confirmed=True)
    login(other_admin)
    url = reverse("clinic:user-edit", args=[cast.therapist.pk])
    assert client.post(url, {"action": "reset_two_factor", "reset-secret": TEST_PASSWORD}).status_code == 404
    assert client.post(url, {"action": "save", "first_name": "X", "last_name": "Y", "email": "x@example.org",
                             "role": "admin", "secret": TEST_PASSWORD}).status_code == 404
    cast.therapist.refresh_from_db()
    assert cast.therapist.role == Role.THERAPIST
    assert TOTPDevice.objects.filter(user=cast.therapist).exists()


# --- Staff list -------------------------------------------------------------------------------------

def test_admin_sees_the_practice_staff_with_their_details(admin, cast):
    TOTPDevice.objects.create(user=cast.therapist, name="Authenticator app", confirmed=True)
    TOTPDevice.objects.create(user=cast.stranger, name="Authenticator app", confirmed=False)
    cast.therapist.credentials = "AMFT"
    cast.therapist.save()
    content = admin.get(reverse("clinic:user-list")).content.decode()
    rows = {m.group(1): m.group(0) for m in re.finditer(r"<tr>\s*<td><a [^>]*>[^<]*</a>.*?<td>([\w.]+)</td>.*?</tr>",
                                                         content, re.S)}
    assert set(rows) == {"sam.supervisor", "tess.therapist", "colin.cotherapist", "stella.stranger",
                         "mia.manager", "adam.admin"}
    assert "AMFT" in rows["tess.therapist"] and "Therapist" in rows["tess.therapist"]
    assert cast.supervisor.display_name in rows["tess.therapist"]
    assert "Set up" in rows["tess.therapist"] and "Not set up" in rows["stella.stranger"]
    assert "Practice manager" in rows["mia.manager"]
    assert "otto.outsider" not in content
    # The admin passed 2FA via the fixture's device, so they count as enrolled.
    assert "Set up" in rows["adam.admin"]


@pytest.mark.parametrize("extra_staff", [0, 20])
def test_staff_list_query_count_does_not_grow_with_staff(admin, cast, extra_staff, django_assert_max_num_queries):
    for n in range(extra_staff):
        member = UserFactory(practice=cast.practice, username=f"extra{n}", supervisor=cast.supervisor)
        TOTPDevice.objects.create(user=member, confirmed=True)
    # session, user, OTP device, practice (caption), staff (with supervisor and 2FA flag),
    # then the session's last-seen stamp saved (savepoint, update, release).
    with django_assert_max_num_queries(8):
        response = admin.get(reverse("clinic:user-list"))
    edit_links = re.findall(r'href="/manage/users/[0-9a-f-]{36}/"', response.content.decode())
    assert len(edit_links) == 6 + extra_staff


# --- Invite -------------------------------------------------------------------------------------------

def invite_data(**overrides):
    data = {"first_name": "Nina", "last_name": "Newman", "username": "nina.new", "email": "nina@example.org",
            "role": "therapist", "credentials": "AMFT", "licence_number": "", "supervisor": ""}
    data.update(overrides)
    return data


def test_admin_can_invite_a_supervised_therapist(admin, client, cast):
    response = admin.post(reverse("clinic:user-invite"), invite_data(supervisor=str(cast.supervisor.pk)))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    nina = User.objects.get(username="nina.new")
    assert nina.practice_id == cast.practice.pk and nina.supervisor_id == cast.supervisor.pk
    assert nina.role == Role.THERAPIST and nina.is_active and not nina.has_usable_password()
    content = response.content.decode()
    link = re.search(r'value="(http://testserver/accounts/invite/[^"]+)"', content).group(1)
    assert "shown only this once" in content
    event = events("user.invite").get()
    assert event.object_id == str(nina.pk) and event.actor_id == cast.admin.pk
    assert "Nina" not in str(event.detail) and "nina" not in str(event.detail)

    client.logout()
    accept = client.get(link.removeprefix("http://testserver"))
    assert accept.status_code == 200 and "nina.new" in accept.content.decode()


@pytest.mark.parametrize("overrides,field,message", [
    ({"username": "tess.therapist"}, "username", "already taken"),
    ({"username": "TESS.therapist"}, "username", "already taken"),
    ({"username": "bad name!"}, "username", "Enter a valid username"),
    ({"email": "not-an-email"}, "email", "valid email"),
    ({"first_name": ""}, "first_name", "required"),
    ({"role": "superuser"}, "role", "valid choice"),
    ({"role": "practice_manager", "supervisor": "SUPERVISOR"}, "supervisor", "Only therapists have a supervisor"),
    ({"supervisor": "STRANGER"}, "supervisor", "valid choice"),
    ({"supervisor": "OTHER_PRACTICE_SUPERVISOR"}, "supervisor", "valid choice"),
])
def test_admin_cannot_invite_with_invalid_details(admin, cast, overrides, field, message):
    other_supervisor = UserFactory(practice=cast.other_practice, role="supervisor", username="oscar.othersup")
    ids = {"SUPERVISOR": cast.supervisor.pk, "STRANGER": cast.stranger.pk,
           "OTHER_PRACTICE_SUPERVISOR": other_supervisor.pk}
    overrides = {k: str(ids.get(v, v)) for k, v in overrides.items()}
    before = User.objects.count()
    response = admin.post(reverse("clinic:user-invite"), invite_data(**overrides))
    assert response.status_code == 200
    content = response.content.decode()
    assert "error-summary" in content and f'href="#id_{field}"' in content
    assert message in content
    assert User.objects.count() == before
    assert not events("user.invite").exists()


def test_service_refuses_a_supervisor_who_is_not_a_supervisor(cast):
    with pytest.raises(ValidationError) as excinfo:
        users.user_invite(by=cast.admin, username="x.y", first_name="X", last_name="Y", email="x@example.org",
                          role="therapist", supervisor=cast.stranger)
    assert "supervisor" in excinfo.value.message_dict


# --- Edit -------------------------------------------------------------------------------------------

def edit_data(member, **overrides):
    data = {"action": "save", "first_name": member.first_name, "last_name": member.last_name, "email": member.email,
            "role": member.role, "credentials": member.credentials, "licence_number": member.licence_number,
            "supervisor": str(member.supervisor_id or "")}
    data.update(overrides)
    return data


def test_admin_can_edit_a_colleague(admin, cast):
    url = reverse("clinic:user-edit", args=[cast.therapist.pk])
    page = admin.get(url).content.decode()
    assert 'value="tess.therapist"' not in page  # the username is shown, not editable
    response = admin.post(url, edit_data(cast.therapist, credentials="LMFT", licence_number="LMFT-1234",
                                         supervisor=""))
    assert response.status_code == 302 and response["Location"] == reverse("clinic:user-list")
    cast.therapist.refresh_from_db()
    assert (cast.therapist.credentials, cast.therapist.licence_number) == ("LMFT", "LMFT-1234")
    assert cast.therapist.supervisor is None
    event = events("user.update").get()
    assert event.detail == {"fields": ["credentials", "licence_number", "supervisor"]}
    assert "LMFT" not in str(event.detail)


def test_saving_unchanged_details_writes_no_audit_event(admin, cast):
    url = reverse("clinic:user-edit", args=[cast.therapist.pk])
    assert admin.post(url, edit_data(cast.therapist)).status_code == 302
    assert not events("user.update").exists()


def test_admin_cannot_demote_the_last_admin(admin, cast):
    url = reverse("clinic:user-edit", args=[cast.admin.pk])
    response = admin.post(url, edit_data(cast.admin, role="therapist", secret=TEST_PASSWORD))
    assert response.status_code == 400
    assert "only active administrator" in response.content.decode()
    cast.admin.refresh_from_db()
    assert cast.admin.role == Role.ADMIN


def test_admin_can_demote_an_admin_when_another_remains(admin, cast):
    second = UserFactory(practice=cast.practice, role="admin", username="ada.second")
    response = admin.post(reverse("clinic:user-edit", args=[second.pk]), edit_data(second, role="practice_manager",
                                                                                    secret=TEST_PASSWORD))
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.role == Role.PRACTICE_MANAGER


def test_admin_cannot_take_supervisor_role_from_someone_with_supervisees(admin, cast):
    url = reverse("clinic:user-edit", args=[cast.supervisor.pk])
    response = admin.post(url, edit_data(cast.supervisor, role="therapist", secret=TEST_PASSWORD))
    assert response.status_code == 400
    assert "supervises 1 therapist" in response.content.decode()
    cast.supervisor.refresh_from_db()
    assert cast.supervisor.role == Role.SUPERVISOR


def test_admin_cannot_make_a_supervisor_supervise_themself(admin, cast):
    second_supervisor = UserFactory(practice=cast.practice, role="supervisor", username="sue.second")
    url = reverse("clinic:user-edit", args=[second_supervisor.pk])
    response = admin.post(url, edit_data(second_supervisor, supervisor=str(second_supervisor.pk)))
    assert response.status_code == 400 and "error-summary" in response.content.decode()


def test_admin_can_reset_a_colleagues_two_factor(admin, client, cast):
    colleague = Client()
    sign_in_verified(colleague, cast.therapist)
    StaticDevice.objects.create(user=cast.therapist, name="backup")
    assert colleague.get(reverse("clinic:two-factor")).status_code == 302  # verified: sent on

    response = admin.post(reverse("clinic:user-edit", args=[cast.therapist.pk]),
                          {"action": "reset_two_factor", "reset-secret": TEST_PASSWORD})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=cast.therapist).exists()
    assert not StaticDevice.objects.filter(user=cast.therapist).exists()
    assert events("user.reset_two_factor").get().detail == {"devices_removed": 2}
    # Their open session is no longer verified: the next page asks them to enrol again.
    response = colleague.get(reverse("clinic:user-list"))
    assert response["Location"].startswith(reverse("clinic:two-factor"))
    assert colleague.get(reverse("clinic:two-factor"))["Location"] == reverse("clinic:two-factor-setup")


def test_admin_can_make_a_new_invite_link_for_someone_without_a_password(admin, cast):
    invitee = users.user_invite(by=cast.admin, username="ivy.invitee", first_name="Ivy", last_name="Invitee",
                                email="ivy@example.org", role="practice_manager")
    url = reverse("clinic:user-edit", args=[invitee.pk])
    assert "Make a new invite link" in admin.get(url).content.decode()
    response = admin.post(url, {"action": "new_invite"})
    assert response.status_code == 200
    assert "/accounts/invite/" in response.content.decode()
    assert events("user.invite_reissued").get().object_id == str(invitee.pk)


def test_admin_cannot_make_an_invite_link_for_someone_with_a_password(admin, cast):
    url = reverse("clinic:user-edit", args=[cast.therapist.pk])
    assert "Make a new invite link" not in admin.get(url).content.decode()
    response = admin.post(url, {"action": "new_invite"}, follow=True)
    assert "/accounts/invite/" not in response.content.decode()
    assert "already set a password" in response.content.decode()


# --- Deactivate -------------------------------------------------------------------------------------

def test_admin_can_deactivate_a_colleague(admin, cast):
    response = admin.post(reverse("clinic:user-deactivate", args=[cast.stranger.pk]), {"secret": TEST_PASSWORD},
                          follow=True)
    cast.stranger.refresh_from_db()
    assert not cast.stranger.is_active
    assert "was deactivated" in response.content.decode()
    assert events("user.deactivate").get().object_id == str(cast.stranger.pk)


def test_admin_can_reactivate_a_deactivated_colleague_who_then_enrols_two_factor_again(admin, cast):
    users.user_deactivate(user=cast.stranger, by=cast.admin)
    TOTPDevice.objects.create(user=cast.stranger, name="Old phone", confirmed=True)
    url = reverse("clinic:user-edit", args=[cast.stranger.pk])
    page = admin.get(url).content.decode()
    assert "Reactivate account" in page and "Deactivate account" not in page
    response = admin.post(url, {"action": "reactivate"}, follow=True)
    cast.stranger.refresh_from_db()
    assert cast.stranger.is_active
    assert "can sign in again" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=cast.stranger).exists()
    event = events("user.reactivate").get()
    assert event.object_id == str(cast.stranger.pk) and event.detail == {"second_factors_reset": 1}
    assert "Reactivate account" not in admin.get(url).content.decode()


def test_reactivating_an_active_colleague_changes_nothing(admin, cast):
    response = admin.post(reverse("clinic:user-edit", args=[cast.therapist.pk]), {"action": "reactivate"},
                          follow=True)
    assert "is already active" in response.content.decode()
    assert not events("user.reactivate").exists()


def test_only_an_admin_of_the_practice_can_reactivate(cast, login):
    users.user_deactivate(user=cast.stranger, by=cast.admin)
    url = reverse("clinic:user-edit", args=[cast.stranger.pk])
    assert login(cast.manager).post(url, {"action": "reactivate"}).status_code == 403
    cast.stranger.refresh_from_db()
    assert not cast.stranger.is_active


def test_get_only_shows_the_deactivation_page(admin, cast):
    response = admin.get(reverse("clinic:user-deactivate", args=[cast.stranger.pk]))
    assert response.status_code == 200 and "They have no couples" in response.content.decode()
    cast.stranger.refresh_from_db()
    assert cast.stranger.is_active


def test_admin_cannot_deactivate_themself(admin, cast):
    response = admin.post(reverse("clinic:user-deactivate", args=[cast.admin.pk]), follow=True)
    assert "You cannot deactivate your own account" in response.content.decode()
    cast.admin.refresh_from_db()
    assert cast.admin.is_active
    assert not events("user.deactivate").exists()


def test_last_admin_cannot_be_deactivated(cast):
    with pytest.raises(ValidationError, match="only active administrator"):
        users.user_deactivate(user=cast.admin, by=cast.manager)
    cast.admin.refresh_from_db()
    assert cast.admin.is_active


def test_admin_can_deactivate_another_admin(admin, cast):
    second = UserFactory(practice=cast.practice, role="admin", username="ada.second")
    admin.post(reverse("clinic:user-deactivate", args=[second.pk]), {"secret": TEST_PASSWORD})
    second.refresh_from_db()
    assert not second.is_active


# --- Practice settings ------------------------------------------------------------------------------

def test_admin_can_change_practice_settings(admin, cast):
    url = reverse("clinic:practice-settings")
    assert 'value="Harbour Couples Counselling"' in admin.get(url).content.decode()
    response = admin.post(url, {"name": "Harbour Couples Clinic", "note_deadline_hours": "48",
                                "plan_review_days": "90", "ipv_rescreen_days": "90", **LOCALE})
    assert response.status_code == 302
    cast.practice.refresh_from_db()
    assert (cast.practice.name, cast.practice.note_deadline_hours) == ("Harbour Couples Clinic", 48)
    event = events("practice.update").get()
    assert event.detail == {"fields": ["name", "note_deadline_hours"]}
    assert event.object_id == str(cast.practice.pk)


SETTINGS = {"name": "P", "note_deadline_hours": "72", "plan_review_days": "90", "ipv_rescreen_days": "90", **LOCALE}


@pytest.mark.parametrize("data,field", [
    ({**SETTINGS, "name": ""}, "name"),
    ({**SETTINGS, "note_deadline_hours": "0"}, "note_deadline_hours"),
    ({**SETTINGS, "plan_review_days": "-3"}, "plan_review_days"),
    ({**SETTINGS, "note_deadline_hours": "lots"}, "note_deadline_hours"),
    ({**SETTINGS, "ipv_rescreen_days": "0"}, "ipv_rescreen_days"),
])
def test_admin_cannot_save_invalid_practice_settings(admin, cast, data, field):
    response = admin.post(reverse("clinic:practice-settings"), data)
    assert response.status_code == 200
    assert f'href="#id_{field}"' in response.content.decode()
    cast.practice.refresh_from_db()
    assert cast.practice.name == "Harbour Couples Counselling"
    assert not events("practice.update").exists()


def test_admin_of_another_practice_changes_only_their_own_practice(client, login, cast, other_admin):
    login(other_admin)
    client.post(reverse("clinic:practice-settings"), {"name": "Renamed", "note_deadline_hours": "24",
                                                      "plan_review_days": "30", "ipv_rescreen_days": "60", **LOCALE})
    cast.practice.refresh_from_db()
    cast.other_practice.refresh_from_db()
    assert cast.practice.name == "Harbour Couples Counselling"
    assert cast.other_practice.name == "Renamed"
