"""What the schema fuzz test found, pinned down one by one (tests/api/test_schema_fuzz.py finds the kind)."""

from __future__ import annotations

import datetime

import pytest
import yaml
from django.urls import reverse
from django.utils import timezone

from notes.models import Session
from tests.notes.note_factories import screen_partners

pytestmark = pytest.mark.django_db


@pytest.fixture
def served_schema(cast, login) -> dict:
    return yaml.safe_load(login(cast.therapist).get("/api/schema/").content)


def test_a_page_past_the_last_is_a_documented_404(cast, login, served_schema):
    response = login(cast.therapist).get("/api/v1/clients/", {"page": 0})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    paginated = [operation for methods in served_schema["paths"].values() for operation in methods.values()
                 if any(p["name"] == "page" for p in operation.get("parameters", []))]
    assert len(paginated) > 10
    assert all("404" in operation["responses"] for operation in paginated)


def test_a_clinician_couple_row_matches_exactly_the_schema_it_is_given(served_schema):
    schemas = served_schema["components"]["schemas"]
    for name in ("CoupleRow", "CoupleView"):
        assert "oneOf" not in schemas[name]
        assert len(schemas[name]["anyOf"]) == 2


@pytest.mark.parametrize("starts_at", ["0211-06-20T22:17:32.7+02:55", "1999-12-31T09:00:00Z",
                                       "2100-01-05T09:00:00Z"])
def test_a_session_date_outside_the_plausible_years_is_refused(cast, login, starts_at):
    screen_partners(cast.couple)
    response = login(cast.therapist).post(reverse("couple-session-list", args=[cast.couple.pk]),
                                          {"starts_at": starts_at}, content_type="application/json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["starts_at"]
    assert not Session.objects.exists()


def test_a_service_code_with_control_characters_is_refused(cast, login):
    screen_partners(cast.couple)
    starts = (timezone.now() - datetime.timedelta(hours=3)).isoformat()
    url = reverse("couple-session-list", args=[cast.couple.pk])
    client = login(cast.therapist)
    refused = client.post(url, {"starts_at": starts, "service_code": "(\x18"}, content_type="application/json")
    assert refused.status_code == 400
    assert list(refused.json()["error"]["fields"]) == ["service_code"]
    kept = client.post(url, {"starts_at": starts, "service_code": " 90837-95 "}, content_type="application/json")
    assert kept.status_code == 201, kept.json()
    assert kept.json()["service_code"] == "90837-95"
