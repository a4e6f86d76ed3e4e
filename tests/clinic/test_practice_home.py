"""The practice manager's home: counts, caseloads and couples by reference, never client data."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clinic.models import CareTeamMember
from keys import keyring
from tests.factories import CoupleFactory

pytestmark = pytest.mark.django_db

URL = "/practice/"


def test_url_is_the_practice_home():
    assert reverse("clinic:practice-home") == URL


def test_manager_can_open_practice_home(cast, login):
    assert login(cast.manager).get(URL).status_code == 200


@pytest.mark.parametrize("role", ["therapist", "co_therapist", "supervisor", "stranger", "outsider", "admin"])
def test_other_roles_cannot_open_practice_home(cast, login, role):
    assert login(getattr(cast, role)).get(URL).status_code == 403


def test_anonymous_cannot_open_practice_home(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("clinic:login"))


def test_practice_home_shows_no_client_names_and_no_clinical_text(cast, login):
    other = CoupleFactory(practice=cast.practice, primary=cast.stranger,
                          presenting_concerns="Arguments about his gambling debts.")
    html = login(cast.manager).get(URL).content.decode()
    assert cast.couple.reference in html and other.reference in html
    for couple in (cast.couple, other):
        for partner in couple.partners.all():
            client = partner.client
            for name in (client.full_name, client.last_name):
                assert name not in html
            assert not re.search(rf"\b{re.escape(client.first_name)}\b", html)
        assert couple.presenting_concerns not in html
    assert "gambling" not in html and "Trust ruptured" not in html


def _stat(html: str, label: str) -> int:
    return int(re.search(rf"<dt>{label}</dt><dd>(\d+)</dd>", html).group(1))


def test_counts_by_status_and_new_intakes(cast, login):
    today = timezone.localdate()
    cast.couple.start_date = today
    cast.couple.save(update_fields=["start_date"])
    CoupleFactory(practice=cast.practice, status="intake", primary=cast.stranger, start_date=today)
    CoupleFactory(practice=cast.practice, status="intake", start_date=today.replace(day=1) - datetime.timedelta(days=1))
    CoupleFactory(practice=cast.practice, status="discharged", start_date=datetime.date(2021, 5, 1),
                  end_date=datetime.date(2022, 1, 1))
    CoupleFactory(practice=cast.other_practice, status="intake")  # another practice: never counted
    html = login(cast.manager).get(URL).content.decode()
    assert _stat(html, "Intake") == 2
    assert _stat(html, "Active") == 1
    assert _stat(html, "On hold") == 0
    assert _stat(html, "Discharged") == 1
    assert _stat(html, "All couples") == 4
    intakes = re.search(r'<p class="stat-figure">(\d+)</p>', html).group(1)
    assert intakes == "2"  # the cast couple and the first intake started this month


def test_active_couples_per_clinician(cast, login):
    CoupleFactory(practice=cast.practice, primary=cast.therapist, status="active")
    CoupleFactory(practice=cast.practice, primary=cast.therapist, status="on_hold")  # not active
    ended = CoupleFactory(practice=cast.practice, status="active", primary=cast.stranger)
    CareTeamMember.objects.create(couple=ended, user=cast.co_therapist, role="co_therapist",
                                  start_date=datetime.date(2020, 1, 1), end_date=datetime.date(2020, 6, 1))
    html = login(cast.manager).get(URL).content.decode()

    def row(user):
        cells = html.split(f'<th scope="row">{user.display_name} ')[1].split("</tr>")[0]
        return [int(n) for n in re.findall(r"<td>(\d+)</td>", cells)]

    assert row(cast.therapist) == [2, 0, 2]
    assert row(cast.co_therapist) == [0, 1, 1]  # the ended role does not count
    assert row(cast.stranger) == [1, 0, 1]
    assert row(cast.supervisor) == [0, 0, 0]
    assert cast.outsider.display_name not in html and cast.manager.display_name + " " not in html.split("<main")[1]


def test_couples_table_lists_reference_status_primary_and_start(cast, login):
    html = login(cast.manager).get(URL).content.decode()
    row = html.split(f'<th scope="row">{cast.couple.reference}</th>')[1].split("</tr>")[0]
    assert "Active" in row and cast.therapist.display_name in row
    assert cast.couple.start_date.strftime("%b %Y") in row
    assert reverse("clinic:care-team-add", args=[cast.couple.pk]) in row


def test_couples_table_can_be_filtered_by_status(cast, login):
    held = CoupleFactory(practice=cast.practice, status="on_hold")
    html = login(cast.manager).get(URL, {"status": "on_hold"}).content.decode()
    table = html.split('id="couples-heading"')[1]
    assert held.reference in table and cast.couple.reference not in table


def test_couples_table_has_50_rows_a_page(cast, login):
    for _ in range(50):
        CoupleFactory(practice=cast.practice)
    client = login(cast.manager)
    first = client.get(URL).content.decode().split('id="couples-heading"')[1]
    assert first.count('<th scope="row">') == 50
    assert "Page 1 of 2 (51 couples)" in first and "?page=2" in first
    second = client.get(URL, {"page": 2}).content.decode().split('id="couples-heading"')[1]
    assert second.count('<th scope="row">') == 1


def _count_queries(client) -> int:
    keyring.clear_cache()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.django_db(transaction=True)
def test_practice_home_query_count_does_not_grow_with_couples(cast, login, django_assert_max_num_queries):
    client = login(cast.manager)
    for _ in range(2):
        CoupleFactory(practice=cast.practice, primary=cast.therapist)
    small = _count_queries(client)
    for _ in range(57):
        CoupleFactory(practice=cast.practice, primary=cast.stranger, co_therapist=cast.therapist)
    keyring.clear_cache()
    # session, user, OTP device; summary counts, caseloads, couples without a primary therapist, page count,
    # page of couples, their primary therapists with users; the session's idle-time save (BEGIN, UPDATE, COMMIT
    # on SQLite). No data key: nothing on this page is decrypted.
    with django_assert_max_num_queries(small), CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.content.decode().count('<th scope="row">C-') == 50
    assert not any("clinic_datakey" in q["sql"] for q in queries.captured_queries)
    assert small <= 12, small
