"""Objective ratings in the note editor: a value per partner on a "both partners" objective (only the attending
partner's in an individual session), signed into one progress point per partner; single values recorded before
values were kept per partner are kept and hash as before."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from notes.content_hash import note_canonical_content
from notes.models import ObjectiveRating, ProgressNote
from notes.services.validation import RatingInput, clean_ratings
from plans.models import ProgressPoint
from tests.notes.note_factories import SessionFactory, active_plan
from tests.notes.test_note_editor import HTMX, editor_data, open_editor, sign_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def unsupervised(cast):
    cast.therapist.supervisor = None
    cast.therapist.save()
    return cast.therapist


def test_a_joint_session_rates_a_both_partners_objective_per_partner_and_signs_two_points(cast, login,
                                                                                          unsupervised):
    _, objective, _ = active_plan(cast.couple, cast.therapist)  # "both partners" (the model's default)
    session = SessionFactory(couple=cast.couple, therapist=cast.therapist)
    client = login(cast.therapist)
    note = open_editor(client, session)
    page = client.get(reverse("notes:note-edit", args=[session.pk])).content.decode()
    assert f'name="objective_{objective.lineage}_a_value"' in page
    assert f'name="objective_{objective.lineage}_b_value"' in page
    assert f'name="objective_{objective.lineage}_value"' not in page
    assert "Partner A: observed value" in page and "Partner B: observed value" in page
    response = client.post(reverse("notes:note-sign", args=[note.pk]), sign_data(note, **{
        f"objective_{objective.lineage}_a_value": "4", f"objective_{objective.lineage}_b_value": "7.5",
        f"objective_{objective.lineage}_b_comment": "Fewer checks this week."}))
    assert response.status_code == 302
    points = {p.partner: p for p in ProgressPoint.objects.filter(objective_lineage=objective.lineage)}
    assert points["a"].value == Decimal("4") and points["b"].value == Decimal("7.5")
    assert points["a"].source_id == points["b"].source_id == note.pk
    detail = client.get(reverse("notes:note-detail", args=[note.pk])).content.decode()
    assert "(Partner A)" in detail and "(Partner B)" in detail


def test_an_individual_session_offers_only_the_attending_partners_input(cast, login):
    _, objective, _ = active_plan(cast.couple, cast.therapist)
    session = SessionFactory(couple=cast.couple, therapist=cast.therapist, kind="individual_b")
    client = login(cast.therapist)
    open_editor(client, session)
    page = client.get(reverse("notes:note-edit", args=[session.pk])).content.decode()
    assert f'name="objective_{objective.lineage}_b_value"' in page
    assert f'name="objective_{objective.lineage}_a_value"' not in page
    with pytest.raises(ValidationError):
        clean_ratings(cast.couple.pk, [RatingInput(objective.lineage, Decimal("3"), "", "a")], attending="b")


def test_a_single_value_from_before_per_partner_ratings_keeps_its_input_and_its_hash(cast, login):
    _, objective, _ = active_plan(cast.couple, cast.therapist)
    session = SessionFactory(couple=cast.couple, therapist=cast.therapist)
    client = login(cast.therapist)
    note = open_editor(client, session)
    ObjectiveRating.objects.create(note=note, couple=cast.couple, objective_lineage=objective.lineage,
                                   value=Decimal("5"))
    note = ProgressNote.objects.get(pk=note.pk)
    payload = json.loads(note_canonical_content(note))
    assert payload["objective_ratings"] == [{"objective_lineage": str(objective.lineage), "value": "5.00",
                                             "comment": ""}]  # no "partner" key: signed notes verify as before
    page = client.get(reverse("notes:note-edit", args=[session.pk])).content.decode()
    assert f'name="objective_{objective.lineage}_value"' in page and "one value, recorded earlier" in page
    response = client.post(reverse("notes:note-autosave", args=[note.pk]), editor_data(note, **{
        f"objective_{objective.lineage}_value": "5", f"objective_{objective.lineage}_a_value": "3"}), **HTMX)
    assert response.status_code == 200
    assert sorted(ObjectiveRating.objects.values_list("partner", "value")) == [("", Decimal("5")),
                                                                              ("a", Decimal("3"))]
