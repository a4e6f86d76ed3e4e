"""Outcome-measure pages: recording (every item an accessible radio group, errors naming the item), the
Measures tab (one chart per instrument with both partners, change from baseline, risk alerts), the risk
acknowledgement, the schedule, measures due and the instrument registry."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from keys import keyring
from plans.instruments import BUILTIN
from plans.models import CustomInstrument, MeasureAdministration, MeasureSchedule, PlanStatus, TreatmentPlan
from tests.factories import CoupleFactory
from tests.plans.measure_factories import administration, answers_for, custom_instrument, definition, plan

pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    return timezone.localdate()


def days_ago(n: int) -> datetime.date:
    return today() - datetime.timedelta(days=n)


def record_url(couple) -> str:
    return reverse("plans:measure-record", args=[couple.pk])


def list_url(couple) -> str:
    return reverse("plans:measure-list", args=[couple.pk])


def form_data(code: str, answers: list, *, partner: str = "a", on: datetime.date | None = None, **extra) -> dict:
    data = {"instrument": code, "partner": partner, "administered_on": (on or today()).isoformat(), **extra}
    data.update({f"item_{n}": str(value) for n, value in enumerate(answers, start=1) if value is not None})
    return data


# --- Recording ------------------------------------------------------------------------------------


def test_therapist_can_choose_among_every_instrument_of_the_practice(cast, login):
    custom_instrument(cast.practice)
    custom_instrument(cast.other_practice, code="elsewhere")
    response = login(cast.therapist).get(record_url(cast.couple))
    assert response.status_code == 200
    html = response.content.decode()
    for code in ("phq9", "gad7", "csi4", "csi16", "wtc"):
        assert f'value="{code}"' in html
    assert 'value="elsewhere"' not in html


def test_record_form_shows_every_item_as_a_labelled_radio_group(cast, login):
    response = login(cast.therapist).get(record_url(cast.couple), {"instrument": "phq9", "partner": "b"})
    assert response.status_code == 200
    html = response.content.decode()
    fieldsets = re.findall(r'<fieldset class="measure-item[^"]*" id="id_item_(\d+)">\s*<legend>(.*?)</legend>', html,
                           re.S)
    assert [int(n) for n, _ in fieldsets] == list(range(1, 10))
    for (_, legend), item in zip(fieldsets, BUILTIN["phq9"].items, strict=True):
        assert item.text.replace("—", "&mdash;") in legend or item.text in legend
    # Every radio has a label naming its option and score.
    for n in range(1, 10):
        for value in range(4):
            assert f'<label for="id_item_{n}_{value}" class="radio-option">' in html
    assert "Nearly every day (3)" in html
    assert re.search(r'<input type="radio" name="partner" value="b"[^>]*checked', html)
    assert "Over the last 2 weeks" in html


def test_csi16_form_shows_the_semantic_differential_instructions_once(cast, login):
    html = login(cast.therapist).get(record_url(cast.couple), {"instrument": "csi16"}).content.decode()
    assert html.count("Base your responses on your first impressions") == 1
    assert "Interesting (5)" in html and "Boring (0)" in html


def test_therapist_can_record_a_csi4_and_it_is_scored_and_encrypted(cast, login):
    client = login(cast.therapist)
    response = client.post(record_url(cast.couple), form_data("csi4", [4, 3, 3, 2], on=days_ago(1)))
    assert response.status_code == 302
    assert response["Location"] == list_url(cast.couple) + "#measure-csi4"
    measure = MeasureAdministration.objects.get()
    assert (measure.partner, measure.instrument, measure.total, measure.band, measure.risk_flag) == (
        "a", "csi4", 12, "Notable relationship dissatisfaction", False)
    assert measure.answers == [4, 3, 3, 2]
    with connection.cursor() as cursor:
        cursor.execute("SELECT answers FROM plans_measureadministration")
        raw = bytes(cursor.fetchone()[0])
    assert b"[4, 3, 3, 2]" not in raw and b"4,3,3,2" not in raw
    event = AuditEvent.objects.get(action="measure.record")
    assert event.object_id == str(measure.pk)
    assert event.detail == {"instrument": "csi4", "partner": "a", "risk_flag": False, "missing_items": 0,
                            "prorated": False}


def test_save_and_record_the_other_partner_opens_the_form_for_partner_b(cast, login):
    client = login(cast.co_therapist)
    response = client.post(record_url(cast.couple), form_data("csi4", [3, 3, 3, 3], then="other"))
    assert response.status_code == 302
    assert response["Location"] == record_url(cast.couple) + "?instrument=csi4&partner=b"
    response = client.post(record_url(cast.couple), form_data("csi4", [5, 4, 4, 4], partner="b"))
    assert response.status_code == 302
    assert sorted(MeasureAdministration.objects.values_list("partner", "total")) == [("a", 12), ("b", 17)]


def test_a_missing_answer_is_refused_naming_the_item(cast, login):
    """Instruments without partial forms (CSI-16) still need every item; PHQ-9/GAD-7: test_measure_partial."""
    answers = answers_for(BUILTIN["csi16"], 3)
    answers[2] = None
    response = login(cast.therapist).post(record_url(cast.couple), form_data("csi16", answers))
    assert response.status_code == 400
    html = response.content.decode()
    message = "Item 3 (Our relationship is strong.) needs an answer."
    assert html.count(message) == 2  # in the summary at the top and next to the item
    assert 'href="#id_item_3_0"' in html
    assert not MeasureAdministration.objects.exists()


def without_random_tokens(html: str) -> str:
    """The page less its CSRF token and CSP nonces, random strings in which "abc" turns up now and then."""
    return re.sub(r'(csrfmiddlewaretoken" value="|nonce="|"X-CSRFToken": ")[^"]*"', r'\1"', html)


@pytest.mark.parametrize("bad", ["7", "-1", "abc", "2.5", "<script>alert('x')</script>"])
def test_an_answer_out_of_range_or_not_a_whole_number_is_refused_without_echo(cast, login, bad):
    data = form_data("gad7", [1] * 7)
    data["item_4"] = bad
    response = login(cast.therapist).post(record_url(cast.couple), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Item 4 (Trouble relaxing): choose one of the listed answers." in html
    assert not re.search(r'name="item_4"[^>]*checked', html)
    if len(bad) > 2:
        assert bad not in without_random_tokens(html)
    assert not MeasureAdministration.objects.exists()


def test_a_date_in_the_future_is_refused(cast, login):
    data = form_data("csi4", [3, 3, 3, 3], on=today() + datetime.timedelta(days=1))
    response = login(cast.therapist).post(record_url(cast.couple), data)
    assert response.status_code == 400
    assert "The date cannot be in the future." in response.content.decode()
    assert not MeasureAdministration.objects.exists()


def test_a_second_administration_on_the_same_day_is_refused_with_a_clear_message(cast, login):
    administration(cast.couple, cast.therapist, instrument="csi4", partner="b", total=10, on=days_ago(2))
    response = login(cast.therapist).post(record_url(cast.couple),
                                          form_data("csi4", [3, 3, 3, 3], partner="b", on=days_ago(2)))
    assert response.status_code == 400
    day = days_ago(2)
    assert (f"Partner B already has a CSI-4 recorded on {day.day} {day:%B %Y}. Open that one from the Measures "
            "tab, or choose another date.") in response.content.decode()
    assert MeasureAdministration.objects.count() == 1
    # Partner A on that day, or partner B on another day, is fine.
    assert login(cast.therapist).post(record_url(cast.couple), form_data("csi4", [3] * 4, on=days_ago(2))
                                      ).status_code == 302


def test_an_unknown_or_other_practice_instrument_cannot_be_recorded(cast, login):
    custom_instrument(cast.other_practice, code="elsewhere")
    client = login(cast.therapist)
    for code in ("elsewhere", "ors", "<b>x</b>"):
        response = client.post(record_url(cast.couple), form_data(code, [0, 0, 0]))
        assert response.status_code == 400
        html = response.content.decode()
        assert "Choose one of the listed instruments." in html
        assert "<b>x</b>" not in html
    assert not MeasureAdministration.objects.exists()


def test_clinicians_can_record_a_practice_instrument(cast, login):
    custom_instrument(cast.practice)
    response = login(cast.therapist).post(record_url(cast.couple), form_data("wtc", [1, 2, 0]))
    assert response.status_code == 302
    measure = MeasureAdministration.objects.get()
    assert (measure.instrument, measure.total, measure.band) == ("wtc", 3, "Low")


# --- Risk flag ------------------------------------------------------------------------------------


def test_phq9_item_9_above_zero_raises_a_risk_alert_until_acknowledged(cast, login):
    client = login(cast.therapist)
    answers = answers_for(BUILTIN["phq9"], 8, risk=1)
    response = client.post(record_url(cast.couple), form_data("phq9", answers))
    measure = MeasureAdministration.objects.get()
    assert measure.risk_flag is True
    detail_url = reverse("plans:measure-detail", args=[measure.pk])
    assert response.status_code == 302 and response["Location"] == detail_url

    tab = client.get(list_url(cast.couple)).content.decode()
    assert "Risk flag not yet acknowledged" in tab and 'role="alert"' in tab
    assert detail_url in tab
    detail = client.get(detail_url).content.decode()
    assert "Risk flag not yet acknowledged" in detail
    assert reverse("plans:measure-acknowledge-risk", args=[measure.pk]) in detail
    assert "Risk item" in detail

    ack_url = reverse("plans:measure-acknowledge-risk", args=[measure.pk])
    refused = client.post(ack_url, {"note": "  "})
    assert refused.status_code == 400
    assert "Write what was done about the risk before acknowledging it." in refused.content.decode()
    measure.refresh_from_db()
    assert measure.risk_acknowledged_at is None

    note = "Assessed risk with <b>partner A</b>; no plan or intent; safety plan agreed."
    assert client.post(ack_url, {"note": note}).status_code == 302
    measure.refresh_from_db()
    assert measure.risk_acknowledged_by == cast.therapist
    assert measure.risk_acknowledgement_note == note
    event = AuditEvent.objects.get(action="measure.risk_acknowledged")
    assert event.detail == {"instrument": "phq9"} and event.object_id == str(measure.pk)
    with connection.cursor() as cursor:
        cursor.execute("SELECT risk_acknowledgement_note FROM plans_measureadministration")
        assert b"safety plan" not in bytes(cursor.fetchone()[0])

    assert "Risk flag not yet acknowledged" not in client.get(list_url(cast.couple)).content.decode()
    detail = client.get(detail_url).content.decode()
    assert "Risk flag acknowledged" in detail
    assert "&lt;b&gt;partner A&lt;/b&gt;" in detail and "<b>partner A</b>" not in detail

    again = client.post(ack_url, {"note": "Second time"})
    assert again.status_code == 400
    assert "already been acknowledged" in again.content.decode()


def test_supervisor_sees_the_risk_alert_but_cannot_acknowledge(cast, login):
    measure = administration(cast.couple, cast.therapist, instrument="phq9", total=6, risk=2)
    client = login(cast.supervisor)
    assert "Risk flag not yet acknowledged" in client.get(list_url(cast.couple)).content.decode()
    detail = client.get(reverse("plans:measure-detail", args=[measure.pk])).content.decode()
    assert "Only the couple's primary therapist and co-therapists can acknowledge it." in detail
    assert client.post(reverse("plans:measure-acknowledge-risk", args=[measure.pk]),
                       {"note": "x"}).status_code == 404


def test_an_acknowledgement_note_over_the_limit_is_refused_naming_the_limit(cast, login):
    measure = administration(cast.couple, cast.therapist, instrument="phq9", total=3, risk=3)
    response = login(cast.therapist).post(reverse("plans:measure-acknowledge-risk", args=[measure.pk]),
                                          {"note": "x" * 2001})
    assert response.status_code == 400
    assert "Keep the note to 2,000 characters or fewer." in response.content.decode()


def test_a_score_without_risk_flag_cannot_be_acknowledged(cast, login):
    measure = administration(cast.couple, cast.therapist, instrument="gad7", total=12)
    response = login(cast.therapist).post(reverse("plans:measure-acknowledge-risk", args=[measure.pk]),
                                          {"note": "Nothing to do"})
    assert response.status_code == 400
    assert "raised no risk flag" in response.content.decode()


def test_measure_detail_shows_each_item_with_its_answer_and_is_audited(cast, login):
    measure = administration(cast.couple, cast.therapist, instrument="csi4", total=21)
    html = login(cast.co_therapist).get(reverse("plans:measure-detail", args=[measure.pk])).content.decode()
    assert "I have a warm and comfortable relationship with my partner." in html
    assert "Perfect" in html and "Completely true" in html
    assert AuditEvent.objects.filter(action="measure.view", object_id=str(measure.pk)).exists()


# --- The Measures tab -----------------------------------------------------------------------------


def test_measures_tab_empty_state(cast, login):
    html = login(cast.therapist).get(list_url(cast.couple)).content.decode()
    assert "No measures recorded yet" in html
    assert "<svg" not in html
    assert 'aria-current="page">Measures</a>' in html
    assert AuditEvent.objects.filter(action="measure.list_view", couple_id=cast.couple.pk).exists()


def test_measures_tab_has_one_chart_per_instrument_with_both_partners_and_the_cutoff(cast, login):
    for n, (a, b) in enumerate([(8, 12), (11, 12), (15, 13)]):
        day = days_ago(30 - 7 * n)
        administration(cast.couple, cast.therapist, instrument="csi4", partner="a", total=a, on=day)
        administration(cast.couple, cast.therapist, instrument="csi4", partner="b", total=b, on=day)
    administration(cast.couple, cast.therapist, instrument="phq9", partner="a", total=18, on=days_ago(40))
    administration(cast.couple, cast.therapist, instrument="phq9", partner="a", total=11, on=days_ago(5))
    html = login(cast.therapist).get(list_url(cast.couple)).content.decode()
    assert html.count("<svg") == 2
    csi = html[html.index('id="measure-csi4"'):]
    csi = csi[: csi.index("</section>")]
    assert "Partner A" in csi and "Partner B" in csi
    assert "Cut-off (13.5)" in csi
    assert csi.count('stroke-opacity="0.35"') == 3  # the gap between partners on each shared date
    assert "No published reliable-change threshold" in csi
    phq = html[html.index('id="measure-phq9"'):]
    phq = phq[: phq.index("</section>")]
    assert "18" in phq and "11" in phq
    assert "Reliable improvement" in phq
    assert re.search(r"<strong>Partner B:</strong>\s*not given yet", phq)


@pytest.mark.parametrize(("code", "first", "last", "label"), [
    ("phq9", 10, 16, "Reliable deterioration"),
    ("phq9", 10, 14, "No reliable change"),
    ("gad7", 12, 8, "Reliable improvement"),
    ("gad7", 12, 9, "No reliable change"),
    ("csi16", 40, 70, "No published reliable-change threshold"),
])
def test_measures_tab_classifies_change_from_baseline(cast, login, code, first, last, label):
    administration(cast.couple, cast.therapist, instrument=code, partner="b", total=first, on=days_ago(60))
    administration(cast.couple, cast.therapist, instrument=code, partner="b", total=(first + last) // 2,
                   on=days_ago(30))
    administration(cast.couple, cast.therapist, instrument=code, partner="b", total=last, on=days_ago(1))
    html = login(cast.therapist).get(list_url(cast.couple)).content.decode()
    change = re.search(r'<li class="change change-\w+">\s*<strong>Partner B:</strong>(.*?)</li>', html, re.S)
    assert change is not None
    assert label in change.group(1)
    assert f"{first} (" in change.group(1) and f"→ {last} (" in change.group(1)


def test_measures_tab_hides_the_record_button_from_the_supervisor(cast, login):
    administration(cast.couple, cast.therapist)
    html = login(cast.supervisor).get(list_url(cast.couple)).content.decode()
    assert record_url(cast.couple) not in html
    assert "You can read these scores but not record new ones" in html


def _count_tab_queries(client, couple) -> int:
    keyring.clear_cache()
    client.get(list_url(couple))  # warm-up: session, keys
    with CaptureQueriesContext(connection) as queries:
        assert client.get(list_url(couple)).status_code == 200
    return len(queries)


def _fill(couple, by, count: int) -> None:
    codes = ["csi4", "phq9", "gad7", "csi16"]
    for n in range(count):
        administration(couple, by, instrument=codes[n % 4], partner="ab"[(n // 4) % 2], total=5 + n % 7,
                       on=days_ago(400 - n), risk=1 if codes[n % 4] == "phq9" and n % 3 == 0 else None)


@pytest.mark.django_db(transaction=True)
def test_measures_tab_query_count_does_not_grow_with_administrations(cast, login, django_assert_max_num_queries):
    client = login(cast.therapist)
    plan(cast.couple, cast.therapist, csi4="session", phq9="month")
    _fill(cast.couple, cast.therapist, 2)
    small = _count_tab_queries(client, cast.couple)
    _fill(CoupleFactory(practice=cast.practice, primary=cast.therapist), cast.therapist, 4)  # other couples' data
    MeasureAdministration.objects.filter(couple=cast.couple).delete()
    _fill(cast.couple, cast.therapist, 40)
    keyring.clear_cache()
    client.get(list_url(cast.couple))
    with django_assert_max_num_queries(small):
        response = client.get(list_url(cast.couple))
    assert response.content.decode().count("<svg") == 4
    # session, user, OTP device; couple, partners, clients, care team and its users; the audit event (lock,
    # last hash, insert, and BEGIN/COMMIT on PostgreSQL); administrations, practice instruments, plans,
    # schedule; attended sessions (is the couple on track); may the user record; the session's idle-time save.
    assert small <= 22, small


# --- Schedule -------------------------------------------------------------------------------------


def schedule_url(plan_row) -> str:
    return reverse("plans:measure-schedule", args=[plan_row.pk])


@pytest.mark.parametrize("status", [PlanStatus.ACTIVE, PlanStatus.DRAFT])
def test_therapist_can_change_the_schedule_of_an_active_or_draft_plan(cast, login, status):
    row = plan(cast.couple, cast.therapist, status=status, gad7="week")
    client = login(cast.therapist)
    page = client.get(schedule_url(row)).content.decode()
    assert 'name="every_csi4"' in page and re.search(r'<option value="week" selected>', page)
    response = client.post(schedule_url(row), {"schedule_version": 1, "every_csi4": "session",
                                               "every_phq9": "month", "every_gad7": ""})
    assert response.status_code == 302
    assert dict(MeasureSchedule.objects.filter(plan=row).values_list("instrument", "every")) == {
        "csi4": "session", "phq9": "month"}
    row.refresh_from_db()
    assert row.schedule_version == 2
    assert row.version == 1  # the plan's own content version is untouched
    event = AuditEvent.objects.get(action="measure.schedule_set")
    assert event.detail == {"added": ["csi4", "phq9"], "removed": ["gad7"], "changed": []}


def test_a_superseded_plan_schedule_cannot_change(cast, login):
    row = plan(cast.couple, cast.therapist, status=PlanStatus.SUPERSEDED, csi4="week")
    client = login(cast.therapist)
    assert "has been superseded" in client.get(schedule_url(row)).content.decode()
    response = client.post(schedule_url(row), {"schedule_version": 1, "every_csi4": "month"})
    assert response.status_code == 400
    assert MeasureSchedule.objects.get(plan=row).every == "week"


def test_a_stale_schedule_is_refused_with_both_versions_shown(cast, login):
    row = plan(cast.couple, cast.therapist, csi4="week")
    client = login(cast.therapist)
    assert client.post(schedule_url(row), {"schedule_version": 1, "every_csi4": "month"}).status_code == 302
    response = client.post(schedule_url(row), {"schedule_version": 1, "every_csi4": "fortnight"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this schedule" in html
    assert "Monthly" in html and "Every two weeks" in html
    assert 'name="schedule_version" value="2"' in html
    assert MeasureSchedule.objects.get(plan=row).every == "month"


def test_an_unknown_frequency_is_refused(cast, login):
    row = plan(cast.couple, cast.therapist)
    response = login(cast.therapist).post(schedule_url(row), {"schedule_version": 1, "every_csi4": "hourly"})
    assert response.status_code == 400
    assert "Choose how often from the list." in response.content.decode()
    assert not MeasureSchedule.objects.exists()


def test_measures_tab_shows_the_schedule_and_links_to_change_it(cast, login):
    row = plan(cast.couple, cast.therapist, csi4="session", phq9="month")
    html = login(cast.therapist).get(list_url(cast.couple)).content.decode()
    assert "CSI-4: every session, both partners" in html
    assert "PHQ-9: monthly, both partners" in html
    assert schedule_url(row) in html


# --- Measures due page ----------------------------------------------------------------------------


def test_measures_due_page_lists_what_is_due_with_a_record_link(cast, login):
    plan(cast.couple, cast.therapist, csi4="week")
    administration(cast.couple, cast.therapist, instrument="csi4", partner="a", on=days_ago(3))
    administration(cast.couple, cast.therapist, instrument="csi4", partner="b", on=days_ago(10))
    html = login(cast.therapist).get(reverse("plans:measures-due")).content.decode()
    assert "1 measure due" in html
    assert f"{cast.couple.reference} <span class=\"couple-name\">· " in html  # its name beside it, as on Today
    assert f"{record_url(cast.couple)}?instrument=csi4&amp;partner=b" in html


def test_measures_due_page_empty_state(cast, login):
    html = login(cast.stranger).get(reverse("plans:measures-due")).content.decode()
    assert "Nothing due" in html


# --- Instruments ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["therapist", "supervisor", "admin"])
def test_instrument_list_shows_range_cutoff_bands_and_threshold_source(cast, login, role):
    custom_instrument(cast.practice)
    custom_instrument(cast.other_practice, code="elsewhere", name="Not ours")
    html = login(getattr(cast, role)).get(reverse("plans:instrument-list")).content.decode()
    for instrument in BUILTIN.values():
        assert instrument.name in html
    assert "Weekly Trust Check (licensed)" in html and "Added by your practice" in html
    assert "Not ours" not in html
    assert "15–19: Moderately severe" in html
    assert "Below 13.5 means notable relationship dissatisfaction" in html
    assert "NHS Talking Therapies" in html
    assert "No published reliable-change threshold was found for the CSI-16" in html
    assert (reverse("plans:instrument-create") in html) is (role == "admin")


def test_admin_can_add_a_practice_instrument(cast, login):
    import json

    response = login(cast.admin).post(reverse("plans:instrument-create"), {
        "code": "wtc", "definition": json.dumps(definition()),
    })
    assert response.status_code == 302
    row = CustomInstrument.objects.get()
    assert (row.practice, row.code) == (cast.practice, "wtc")
    assert AuditEvent.objects.filter(action="instrument.create", object_id=str(row.pk)).exists()


@pytest.mark.parametrize(("code", "text", "expected"), [
    ("wtc", "{not json", "This is not valid JSON (line 1): check brackets, quotes and commas."),
    ("wtc", '{"name": "x"}', "items: is required."),
    ("phq9", None, "This is the code of a built-in instrument: choose another."),
    ("Bad Code!", None, "Use only lower-case letters, digits, hyphens and underscores."),
])
def test_an_invalid_practice_instrument_is_refused_with_a_clear_message(cast, login, code, text, expected):
    import json

    response = login(cast.admin).post(reverse("plans:instrument-create"), {
        "code": code, "definition": text if text is not None else json.dumps(definition()),
    })
    assert response.status_code == 400
    assert expected in response.content.decode()
    assert not CustomInstrument.objects.exists()


def test_a_practice_instrument_code_cannot_be_used_twice(cast, login):
    import json

    custom_instrument(cast.practice)
    response = login(cast.admin).post(reverse("plans:instrument-create"), {
        "code": "wtc", "definition": json.dumps(definition()),
    })
    assert response.status_code == 400
    assert "An instrument with this code already exists" in response.content.decode()


def test_instrument_errors_do_not_echo_the_definition(cast, login):
    import json

    secret = "Licensed wording that must not be repeated"
    response = login(cast.admin).post(reverse("plans:instrument-create"), {
        "code": "wtc", "definition": json.dumps(definition(bands=[{"low": 0, "high": 9, "label": secret * 2}])),
    })
    assert response.status_code == 400
    html = response.content.decode()
    assert "bands[0].label: must be at most 40 characters." in html
    # Only the textarea gives the admin their text back; no message repeats it.
    outside_textarea = re.sub(r"<textarea.*?</textarea>", "", html, flags=re.S)
    assert secret not in outside_textarea


def test_the_model_refuses_an_invalid_definition_on_full_clean(cast):
    from django.core.exceptions import ValidationError

    row = CustomInstrument(practice=cast.practice, code="gad7", definition=definition(items=[]))
    with pytest.raises(ValidationError) as refused:
        row.full_clean()
    assert set(refused.value.message_dict) == {"code", "definition"}


def test_other_couples_plans_are_not_schedulable(cast, login):
    other = CoupleFactory(practice=cast.practice, primary=cast.stranger)
    row = plan(other, cast.stranger)
    assert login(cast.therapist).get(schedule_url(row)).status_code == 404
    assert TreatmentPlan.objects.count() == 1


def test_html_in_a_practice_instrument_is_shown_as_text(cast, login):
    items = [{"text": "<script>alert('item')</script>", "options": [{"value": 0, "label": "<b>No</b>"},
                                                                    {"value": 1, "label": "Yes"}]}]
    custom_instrument(cast.practice, items=items, bands=[{"low": 0, "high": 1, "label": "<i>band</i>"}],
                      cutoff=None, risk_items=[], reliable_change=None)
    client = login(cast.therapist)
    for url in (reverse("plans:instrument-list"), record_url(cast.couple) + "?instrument=wtc"):
        html = client.get(url).content.decode()
        assert "&lt;script&gt;alert(&#x27;item&#x27;)&lt;/script&gt;" in html
        assert "<script>alert" not in html and "<b>No</b>" not in html and "<i>band</i>" not in html
