"""Issue 14 item 1 in Chromium, on the demo practice: the demo therapist sees each couple's name beside its
reference on Today and in "My couples"; the name search finds a couple by part of a first, last or preferred
name whatever the case and accents, and keeps the name out of the address bar (it is a POST); the practice
manager's practice page shows references only.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from clinic.models import Couple
from clinic.selectors.names import couple_names_for
from tests.e2e.conftest import browser, page  # noqa: F401  (the browser fixtures of tests/e2e)
from tests.e2e.test_plan_and_measures import demo, sign_in_to_the_demo  # noqa: F401
from tests.factories import totp_device_for

REFERENCE = re.compile(r"C-\d{4}-\d{4}")


def _search(page, words: str) -> list[str]:  # noqa: F811
    """Search "My couples" for `words` as a person would, and return the references listed."""
    page.goto(reverse("clinic:couple-list"))
    page.get_by_label("Find a couple by a partner's name").fill(words)
    page.get_by_label("Find a couple by a partner's name").press("Enter")
    page.wait_for_load_state()
    heading = page.get_by_role("heading", name=re.compile("Couples with a partner of that name"))
    heading.wait_for()
    assert words.lower() not in page.url.lower()
    return sorted(set(REFERENCE.findall(page.locator("main").inner_text())))


@pytest.mark.e2e
def test_names_beside_references_and_a_search_that_finds_people(page, demo):  # noqa: F811
    therapist = demo.therapist
    visible = {c.pk: c.reference for c in Couple.objects.visible_to(therapist)}
    names = couple_names_for(therapist, visible)
    by_name = {name: visible[pk] for pk, name in names.items()}
    amara = by_name["Amara & Ben"]  # Amara Okafor and Benedict Whitcombe, who prefers "Ben"
    emmy = by_name["Hiroshi & Emmy"]  # Emmeline Lindqvist prefers "Emmy"
    meilin = by_name["Meilin & David"]

    sign_in_to_the_demo(page, therapist, demo.device)

    # Today: every couple named on the page has its partners' names beside the reference.
    page.goto(reverse("notes:therapist-home"))
    today = page.locator("main").inner_text()
    shown = set(REFERENCE.findall(today))
    assert shown, "the demo therapist's Today lists couples"
    reference_to_name = {ref: name for name, ref in by_name.items()}
    for reference in shown & set(reference_to_name):
        assert reference_to_name[reference] in today, reference

    # "My couples" lists the names too.
    page.goto(reverse("clinic:couple-list"))
    listing = page.locator("main").inner_text()
    assert "Amara & Ben" in listing and "Meilin & David" in listing

    # Part of a name, any case, with or without its accents; the preferred name as well as the given one.
    assert _search(page, "okafor") == [amara]
    assert _search(page, "ÓKAF") == [amara]  # accents and capitals fold on both sides
    assert _search(page, "whitc") == [amara]
    assert _search(page, "meil") == [meilin]
    assert _search(page, "emmy") == [emmy]  # only her preferred name holds "emmy"
    assert amara in _search(page, "ben")  # Benedict's preferred name (and Chloe Bennett's surname)
    assert _search(page, "zzqx") == []
    page.get_by_text(re.compile("No couple", re.I)).first.wait_for()

    # The practice manager sees references, never names.
    page.context.clear_cookies()
    manager = get_user_model().objects.get(username="manager")
    sign_in_to_the_demo(page, manager, totp_device_for(manager))
    page.goto(reverse("clinic:practice-home"))
    practice = page.locator("main").inner_text()
    assert REFERENCE.search(practice)
    for name in names.values():
        for first in name.split(" & "):
            assert first not in practice, "a client's name on the manager's page"
