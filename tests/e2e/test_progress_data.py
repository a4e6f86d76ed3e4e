"""In the demo practice, in a browser (issue 14 item 6): the demo therapist builds a plan from the library with
each objective's numbers in the same pass (a baseline per partner on a both-partners objective), signs it,
records a value per partner and sees one line per partner on the chart, then links a thought record to a
belief objective and sees its re-rated belief as that objective's latest value.
Screenshots: /tmp/e2e-progress-library-*.png, /tmp/e2e-progress-two-lines-*.png (1024 px and 768 px wide).
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from clinic.models import Couple, CoupleStatus
from demo import practice as demo_practice
from plans.models import Objective, PlanStatus, ProgressPoint, ThoughtRecord, TreatmentPlan
from tests.e2e.conftest import browser, page  # noqa: F401  (the browser fixtures of tests/e2e)
from tests.e2e.test_plan_and_measures import demo, screenshots, sign_in_to_the_demo  # noqa: F401
from tests.plans.cbt_factories import days_ago


@pytest.mark.e2e
def test_plan_from_library_with_numbers_per_partner_values_and_a_thought_record_feed(page, demo):  # noqa: F811
    from playwright.sync_api import expect

    couple = Couple.objects.get(practice__name=demo_practice.PRACTICE_NAME, status=CoupleStatus.INTAKE,
                                care_team__user=demo.therapist)
    sign_in_to_the_demo(page, demo.therapist, demo.device)
    page.goto(reverse("plans:plan-detail", args=[couple.pk]))
    page.get_by_role("button", name="Start a treatment plan").click()
    page.get_by_role("link", name="Add from the library").click()

    # One pass: two signs for both partners, each with its numbers beside it.
    page.get_by_label(re.compile("Avoiding vulnerability")).check()
    page.get_by_label(re.compile("Reading neutral behaviour as threat")).check()
    page.get_by_label("For (required)").select_option("both")
    vulnerable = page.get_by_role("group", name=re.compile("Numbers for “Avoiding vulnerability”"))
    vulnerable.get_by_label("Baseline, partner A").fill("1")
    vulnerable.get_by_label("Baseline, partner B").fill("2")
    vulnerable.get_by_label("Target").fill("4")
    threat = page.get_by_role("group", name=re.compile("Numbers for “Reading neutral behaviour as threat”"))
    threat.get_by_label("What is measured").fill("Belief that the partner will leave")
    threat.get_by_label("Unit").fill("0-100 belief")
    threat.get_by_label("Baseline", exact=True).fill("85")
    threat.get_by_label("Target").fill("40")
    screenshots(page, "progress-library")
    page.get_by_role("button", name="Add ticked items to the draft").click()
    expect(page.get_by_text("Added 1 problem, 1 goal, 2 objectives from the library.")).to_be_visible()
    expect(page.get_by_text("have no baseline or target yet")).to_have_count(0)

    # The belief objective takes its values from thought records (belief afterwards).
    page.get_by_role("link", name="Edit objective 1.1.2", exact=True).click()
    page.get_by_label(re.compile("^Where its values come from")).select_option("thought_belief_after")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Objective saved.")).to_be_visible()
    page.get_by_role("link", name="Sign plan").click()
    page.get_by_label(re.compile("Your password")).fill(demo_practice.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign plan").click()
    expect(page.get_by_role("heading", name=re.compile(r"Active plan · version 1"))).to_be_visible()
    plan = TreatmentPlan.objects.get(couple=couple, status=PlanStatus.ACTIVE)
    shared, belief = Objective.objects.filter(goal__problem__plan=plan).order_by("position")
    assert (shared.baseline_a, shared.baseline_b, shared.target) == (Decimal("1"), Decimal("2"), Decimal("4"))
    assert (belief.metric, belief.baseline, belief.data_source) == (
        "Belief that the partner will leave", Decimal("85"), "thought_belief_after")

    # A value per partner, on two days: two lines on the chart.
    for day, value_a, value_b in ((days_ago(3), "1.5", "2"), (days_ago(0), "2", "3")):
        page.goto(reverse("plans:progress-point-add", args=[couple.pk]) + f"?objective={shared.lineage}")
        page.get_by_label(re.compile("^Date")).fill(day.isoformat())
        page.get_by_label("Partner A's value").fill(value_a)
        page.get_by_label("Partner B's value").fill(value_b)
        page.get_by_role("button", name="Save value").click()
        expect(page.get_by_text("Value saved.")).to_be_visible()
    section = page.locator(f"#objective-{shared.lineage}")
    chart = section.locator("svg")
    expect(chart.locator("polyline")).to_have_count(2)
    expect(chart.locator("text", has_text="Partner A")).to_have_count(1)  # the legend
    expect(chart.locator("text", has_text="Partner B")).to_have_count(1)
    expect(chart.locator('polyline[stroke-dasharray="7 4"]')).to_have_count(1)  # partner B is dashed
    expect(section.get_by_text(re.compile(r"Partner A: baseline → latest → target"))).to_be_visible()
    expect(section.locator('dd[data-partner="b"]')).to_contain_text("3")
    screenshots(page, "progress-two-lines")

    # A thought record of partner A linked to the belief objective: its belief afterwards is the latest value.
    page.goto(reverse("plans:cbt-create", args=[couple.pk, "thought-record"]))
    page.get_by_label(re.compile("^Whose thought record")).select_option("a")
    page.get_by_label(re.compile("^Situation")).fill("A message arrived late in the evening.")
    page.get_by_label(re.compile(r"^Mood 1\b")).first.fill("afraid")
    page.get_by_label(re.compile(r"^Mood 1: strength before")).fill("80")
    page.get_by_label(re.compile("^Automatic thought")).fill("They are going to leave me.")
    page.get_by_label(re.compile("^Belief in the automatic thought at the time")).fill("90")
    page.get_by_label(re.compile("^Belief in the automatic thought now")).fill("35")
    page.get_by_label(re.compile("^Objective it feeds")).select_option(str(belief.lineage))
    page.get_by_role("button", name=re.compile("^Save")).first.click()
    page.wait_for_url(lambda url: "/new/" not in url)
    assert ThoughtRecord.objects.filter(couple=couple, objective_lineage=belief.lineage, belief_after=35).exists()
    page.goto(reverse("plans:progress", args=[couple.pk]))
    belief_section = page.locator(f"#objective-{belief.lineage}")
    expect(belief_section.locator('dd[data-partner="a"]')).to_contain_text("35")
    expect(belief_section.get_by_role("table")).to_contain_text("Thought record")
    expect(belief_section.locator("svg")).to_contain_text("Partner A")
    stored = ProgressPoint.objects.get(objective_lineage=belief.lineage)
    assert (stored.partner, stored.value, stored.source) == ("a", Decimal("35"), "thought")
