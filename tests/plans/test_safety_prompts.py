"""Plans built from flagged library items prompt a coercive-control assessment; forgiveness and
attachment-injury interventions warn when an IPV concern is recorded (plans.safety_flags)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clinic.models import Couple, Partner
from clinic.services.couples import partner_update
from plans.library_data import default_items
from plans.models import LibraryItem, TreatmentPlan
from plans.safety_flags import SAFETY_FLAGS
from plans.selectors.plans import plan_with_structure
from plans.selectors.safety import safety_prompts
from plans.services.from_library import plan_add_from_library
from plans.services.library import ensure_practice_library
from tests.plans.plan_factories import make_plan

pytestmark = pytest.mark.django_db


def lib(practice, slug) -> LibraryItem:
    return LibraryItem.objects.get(practice=practice, slug=slug)


def plan_page(cast, login) -> str:
    return login(cast.therapist).get(reverse("plans:plan-detail", args=[cast.couple.pk])).content.decode()


def test_every_flag_names_a_library_item():
    slugs = {item["slug"] for item in default_items()}
    assert set(SAFETY_FLAGS) <= slugs


def test_plan_targeting_phone_checking_prompts_a_coercive_control_assessment(cast, login):
    ensure_practice_library(cast.practice)
    plan = make_plan(cast.couple, by=cast.therapist, problems=0)
    assert "Assess coercive control" not in plan_page(cast, login)
    plan_add_from_library(plan=plan, by=cast.therapist, items=[lib(cast.practice, "sign-checking-reassurance")])
    page = plan_page(cast, login)
    assert "Assess coercive control" in page and "Constant checking or reassurance seeking" in page
    assert "Caution: IPV concern recorded" not in page


def test_forgiveness_work_warns_only_when_an_ipv_concern_is_recorded(cast, login):
    ensure_practice_library(cast.practice)
    plan = make_plan(cast.couple, by=cast.therapist, problems=0)
    plan_add_from_library(plan=plan, by=cast.therapist, items=[
        lib(cast.practice, "cause-past-dishonesty"), lib(cast.practice, "intervention-forgiveness-work")])
    assert "Caution: IPV concern recorded" not in plan_page(cast, login)
    partner_update(partner=Partner.objects.get(couple=cast.couple, position="a"), by=cast.therapist,
                   agreed_confidentiality_on=None, ipv_result="concern", ipv_screened_on=timezone.localdate(),
                   hits_answers=[1, 2, 1, 2])
    page = plan_page(cast, login)
    assert "Caution: IPV concern recorded" in page and "Gordon, Baucom &amp; Snyder 2004" in page


def test_safety_prompts_take_two_queries_however_large_the_plan(cast):
    ensure_practice_library(cast.practice)
    plan = make_plan(cast.couple, by=cast.therapist, problems=0)

    def queries() -> int:
        loaded = plan_with_structure(TreatmentPlan.objects.get(pk=plan.pk))
        couple = Couple.objects.get(pk=cast.couple.pk)
        with CaptureQueriesContext(connection) as ctx:
            safety_prompts(couple, [loaded])
        return len([q for q in ctx.captured_queries if "datakey" not in q["sql"]])

    plan_add_from_library(plan=plan, by=cast.therapist, items=[lib(cast.practice, "sign-checking-reassurance")])
    small = queries()
    plan_add_from_library(plan=plan, by=cast.therapist, items=[
        lib(cast.practice, slug) for slug in ("sign-time-apart-tension", "intervention-agreeing-boundaries",
                                              "intervention-forgiveness-work", "cause-past-dishonesty")])
    assert small <= queries() <= 2  # the library items' slugs, then the partners when a caution applies


# --- an ongoing affair (clinic.services.affair) --------------------------------------------------------

AFFAIR_TITLE = "Caution: the affair is recorded as ongoing"


def record_affair(cast, status, ended_on=None):
    from clinic.services.affair import affair_record

    affair_record(couple=Couple.objects.get(pk=cast.couple.pk), by=cast.therapist, status=status, ended_on=ended_on)


def test_forgiveness_work_warns_while_the_affair_is_recorded_as_ongoing(cast, login):
    ensure_practice_library(cast.practice)
    plan = make_plan(cast.couple, by=cast.therapist, problems=0)
    plan_add_from_library(plan=plan, by=cast.therapist, items=[
        lib(cast.practice, "cause-past-dishonesty"), lib(cast.practice, "intervention-forgiveness-work")])
    assert AFFAIR_TITLE not in plan_page(cast, login)
    record_affair(cast, "ongoing")
    page = plan_page(cast, login)
    assert AFFAIR_TITLE in page and "Snyder, Baucom &amp; Gordon 2007" in page
    assert "Caution: IPV concern recorded" not in page  # each caution on its own
    record_affair(cast, "ended", timezone.localdate())
    assert AFFAIR_TITLE not in plan_page(cast, login)


def test_attachment_injury_repair_warns_but_other_items_do_not(cast, login):
    ensure_practice_library(cast.practice)
    record_affair(cast, "ongoing")
    plan = make_plan(cast.couple, by=cast.therapist, problems=0)
    plan_add_from_library(plan=plan, by=cast.therapist, items=[lib(cast.practice, "sign-checking-reassurance")])
    assert AFFAIR_TITLE not in plan_page(cast, login)
    plan_add_from_library(plan=plan, by=cast.therapist, items=[
        lib(cast.practice, "cause-past-dishonesty"), lib(cast.practice, "intervention-attachment-injury-repair")])
    assert AFFAIR_TITLE in plan_page(cast, login)


def test_the_library_picker_marks_the_items_and_adding_one_warns(cast, login):
    ensure_practice_library(cast.practice)
    plan = make_plan(cast.couple, by=cast.therapist, problems=0)
    client = login(cast.therapist)
    url = reverse("plans:plan-add-from-library", args=[plan.pk])
    assert "Assumes the affair has ended" not in client.get(url).content.decode()
    record_affair(cast, "ongoing")
    page = client.get(url).content.decode()
    assert AFFAIR_TITLE in page and page.count("Assumes the affair has ended") == 2
    forgiveness = lib(cast.practice, "intervention-forgiveness-work")
    response = client.post(url, {"causes": [str(lib(cast.practice, "cause-past-dishonesty").pk)],
                                 "interventions": [str(forgiveness.pk)], "partner": "both", "goal": ""},
                           follow=True)
    assert response.status_code == 200 and "assume the affair has ended" in response.content.decode()


def test_safety_prompts_stay_at_two_queries_with_the_affair_caution(cast):
    ensure_practice_library(cast.practice)
    record_affair(cast, "ongoing")
    plan = make_plan(cast.couple, by=cast.therapist, problems=0)

    def queries() -> tuple[int, list]:
        loaded = plan_with_structure(TreatmentPlan.objects.get(pk=plan.pk))
        couple = Couple.objects.get(pk=cast.couple.pk)
        with CaptureQueriesContext(connection) as ctx:
            prompts = safety_prompts(couple, [loaded])
        return len([q for q in ctx.captured_queries if "datakey" not in q["sql"]]), [p.flag for p in prompts]

    plan_add_from_library(plan=plan, by=cast.therapist, items=[
        lib(cast.practice, "cause-past-dishonesty"), lib(cast.practice, "intervention-forgiveness-work")])
    small, flags = queries()
    assert flags == ["affair_caution"]
    plan_add_from_library(plan=plan, by=cast.therapist, items=[
        lib(cast.practice, slug) for slug in ("sign-checking-reassurance", "sign-time-apart-tension",
                                              "intervention-attachment-injury-repair", "cause-past-dishonesty")])
    large, flags = queries()
    assert small <= large <= 2 and flags == ["coercive_control", "affair_caution"]
