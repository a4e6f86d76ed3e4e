"""Couples by name (issue 14 item 1): "Amara & Ben" beside the reference where clinicians look, and the search by
part of a first, last or preferred name over the couples the user can see (clinic.selectors.names)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from clinic.selectors.names import couple_names_for, fold, search_couples
from keys import keyring
from tests.factories import CoupleFactory


def _name(client, first, last, preferred=""):
    client.first_name, client.last_name, client.preferred_name = first, last, preferred
    client.save()


@pytest.fixture
def caseload(cast):
    """cast.couple: Sofia Okonkwo & Daniel Reyes called Dan; a second couple of the therapist: Zoë Lindqvist & Ben
    Hart; a couple of another therapist of the same practice: Sofia Moreau & Amara Novak."""
    _name(cast.couple.partner_a.client, "Sofia", "Okonkwo")
    _name(cast.couple.partner_b.client, "Daniel", "Reyes", preferred="Dan")
    second = CoupleFactory(practice=cast.practice, primary=cast.therapist)
    _name(second.partner_a.client, "Zoë", "Lindqvist")
    _name(second.partner_b.client, "Ben", "Hart")
    elsewhere = CoupleFactory(practice=cast.practice, primary=cast.co_therapist)
    elsewhere.care_team.filter(user=cast.therapist).delete()
    _name(elsewhere.partner_a.client, "Sofia", "Moreau")
    _name(elsewhere.partner_b.client, "Amara", "Novak")
    return cast.couple, second, elsewhere


def test_fold_drops_case_accents_and_extra_spaces():
    assert fold("  ZOË   Ó Briain ") == "zoe o briain"
    assert fold("Ångström") == "angstrom"


@pytest.mark.parametrize(("typed", "which"), [
    ("Sofia", 0), ("sof", 0), ("okonkwo", 0), ("OKONK", 0), ("dan", 0), ("Reyes", 0), ("sofia okonkwo", 0),
    ("zoe", 1), ("Zoë", 1), ("ZOE LIND", 1), ("hart", 1),
])
def test_therapist_finds_a_couple_by_part_of_any_name(cast, caseload, typed, which):
    found, names = search_couples(cast.therapist, typed)
    assert found == [caseload[which].pk]
    assert caseload[2].pk not in names  # another therapist's couple: not even decrypted


def test_a_therapist_of_the_same_practice_not_on_the_case_finds_nothing(cast, caseload):
    for typed in ("Sofia", "okonkwo", "dan", "zoe"):
        assert search_couples(cast.stranger, typed) == ([], {})
    found, _ = search_couples(cast.co_therapist, "sofia")
    assert set(found) == {caseload[0].pk, caseload[2].pk}  # the co-therapist is on both Sofias' cases


def test_managers_get_no_names(cast, caseload):
    assert search_couples(cast.manager, "sofia") == ([], {})
    assert couple_names_for(cast.manager, [c.pk for c in caseload]) == {}


def test_names_are_preferred_or_first_names_and_only_of_visible_couples(cast, caseload):
    names = couple_names_for(cast.therapist, [c.pk for c in caseload])
    assert names == {caseload[0].pk: "Sofia & Dan", caseload[1].pk: "Zoë & Ben"}


# Data keys created in a transaction that has not committed are never cached (keys.keyring): commit, as a server.
@pytest.mark.django_db(transaction=True)
def test_names_cost_a_constant_number_of_queries(cast, caseload):
    def count(ids):
        keyring.clear_cache()
        with CaptureQueriesContext(connection) as queries:
            names = couple_names_for(cast.therapist, ids)
            search_couples(cast.therapist, "sofia")
        return len(names), len(queries)

    few = count([caseload[0].pk])
    for _ in range(5):
        CoupleFactory(practice=cast.practice, primary=cast.therapist)
    many = count([c.pk for c in cast.practice.couples.all()])
    # the partners' names (one query per call) and the practice's data key (once, then cached)
    assert few == (1, 3) and many == (7, 3)


def test_search_page_shows_the_couples_name_and_reference_and_audits_a_count(cast, login, caseload):
    response = login(cast.therapist).post(reverse("clinic:couple-list"), {"name": "zoe"})
    html = response.content.decode()
    assert caseload[1].reference in html and "Zoë &amp; Ben" in html
    assert caseload[0].reference not in html and caseload[2].reference not in html
    event = AuditEvent.objects.filter(action="client.search").last()
    assert event.detail == {"matches": 1, "shown": 1}


def test_search_page_of_a_stranger_finds_nothing(cast, login, caseload):
    html = login(cast.stranger).post(reverse("clinic:couple-list"), {"name": "Sofia"}).content.decode()
    assert all(couple.reference not in html for couple in caseload)
    assert "couple-name" not in html and "Okonkwo" not in html and "Moreau" not in html
    assert "0 couples found" in html


def test_names_beside_references_on_today_the_list_and_the_case_page(cast, login, caseload):
    from django.utils import timezone

    from tests.notes.note_factories import SessionFactory

    SessionFactory(couple=caseload[0], therapist=cast.therapist, starts_at=timezone.now())
    client = login(cast.therapist)
    today = client.get(reverse("notes:therapist-home")).content.decode()
    assert f'{caseload[0].reference} <span class="couple-name">· Sofia &amp; Dan</span>' in today
    listing = client.get(reverse("clinic:couple-list")).content.decode()
    assert f'{caseload[0].reference} <span class="couple-name">· Sofia &amp; Dan</span>' in listing
    page = client.get(reverse("clinic:couple-detail", args=[caseload[0].pk])).content.decode()
    assert '<span class="couple-name">· Sofia &amp; Dan</span>' in page
    assert "<title>Couple " + caseload[0].reference in page and "Sofia &amp; Dan</title>" not in page
    for chart_page in ("plans:progress", "plans:measure-list"):  # the pages of the couple's charts
        html = client.get(reverse(chart_page, args=[caseload[0].pk])).content.decode()
        assert f'<h1>Couple {caseload[0].reference} <span class="couple-name">· Sofia &amp; Dan</span>' in html


def test_practice_home_shows_references_alone(cast, login, caseload):
    html = login(cast.manager).get(reverse("clinic:practice-home")).content.decode()
    assert "Sofia" not in html and "Zoë" not in html and "couple-name" not in html
