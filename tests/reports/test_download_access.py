"""Access is checked again at download time (issue 16, item 3): a generated file, a batch item or a batch's ZIP
is handed out only while the person who asked may read every couple in it now; otherwise 404 and an audit event.
A couple shredded since is left out of the ZIP: its file was sealed under the couple's key."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from clinic.models import CareTeamMember, Couple, CoupleStatus, Role
from clinic.services import retention
from clinic.services.couples import care_team_end
from reports.models import GeneratedReport
from reports.selectors.batches import batch_contents_for_download
from reports.services.files import FAILURES_FILE
from tests.factories import CoupleFactory
from tests.reports.batch_helpers import downloaded_zip, pdf_name, ready_batch

pytestmark = pytest.mark.django_db


@pytest.fixture
def caseload(cast):
    return [cast.couple, *[CoupleFactory(practice=cast.practice, primary=cast.therapist) for _ in range(2)]]


def zip_url(batch) -> str:
    return reverse("reports:batch-download", args=[batch.pk])


def file_url(report) -> str:
    return reverse("reports:report-download", args=[report.pk])


def lost_access(user, obj) -> bool:
    return AuditEvent.objects.filter(action="access.denied", actor_id=user.pk, object_id=str(obj.pk),
                                     outcome=AuditEvent.Outcome.DENIED, detail__reason="access_lost").exists()


def leave(cast, couple, user) -> None:
    member = CareTeamMember.objects.get(couple=couple, user=user)
    care_team_end(member=member, by=cast.manager, end_date=timezone.localdate() - datetime.timedelta(days=1))


def test_therapist_whose_care_team_place_ended_cannot_download_the_earlier_zip(cast, caseload, login):
    batch = ready_batch(cast.therapist, caseload)
    web = login(cast.therapist)
    assert web.get(zip_url(batch)).status_code == 200
    leave(cast, cast.couple, cast.therapist)
    response = web.get(zip_url(batch))
    assert response.status_code == 404 and response.get("Content-Type") != "application/zip"
    assert lost_access(cast.therapist, batch)
    assert AuditEvent.objects.filter(action="report.download", object_id=str(batch.pk)).count() == 1


def test_therapist_whose_care_team_place_ended_cannot_download_that_couples_file(cast, caseload, login):
    batch = ready_batch(cast.therapist, caseload)
    theirs = GeneratedReport.objects.get(batch=batch, couple=cast.couple)
    other = GeneratedReport.objects.filter(batch=batch).exclude(couple=cast.couple).first()
    leave(cast, cast.couple, cast.therapist)
    web = login(cast.therapist)
    assert web.get(file_url(theirs)).status_code == 404
    assert lost_access(cast.therapist, theirs)
    assert web.get(file_url(other)).status_code == 200  # a couple still on their caseload


def test_user_changed_to_practice_manager_cannot_download_an_earlier_zip_or_file(cast, caseload, login):
    batch = ready_batch(cast.therapist, caseload)
    report = GeneratedReport.objects.filter(batch=batch).first()
    cast.therapist.role = Role.PRACTICE_MANAGER
    cast.therapist.save(update_fields=["role"])
    web = login(cast.therapist)
    assert web.get(zip_url(batch)).status_code == 404
    assert web.get(file_url(report)).status_code == 404
    assert lost_access(cast.therapist, batch) and lost_access(cast.therapist, report)
    assert not AuditEvent.objects.filter(action="report.download").exists()


def test_manager_changed_to_therapist_cannot_download_the_practice_pack(cast, login):
    batch = ready_batch(cast.manager)
    report = GeneratedReport.objects.filter(batch=batch).first()
    web = login(cast.manager)
    assert web.get(zip_url(batch)).status_code == 200
    cast.manager.role = Role.THERAPIST
    cast.manager.save(update_fields=["role"])
    web = login(cast.manager)
    assert web.get(zip_url(batch)).status_code == 404
    assert web.get(file_url(report)).status_code == 404
    assert lost_access(cast.manager, batch)


def test_deactivated_requester_gets_nothing(cast, caseload):
    batch = ready_batch(cast.therapist, caseload)
    cast.therapist.is_active = False
    cast.therapist.save(update_fields=["is_active"])
    with pytest.raises(Http404):
        batch_contents_for_download(cast.therapist, batch)
    assert lost_access(cast.therapist, batch)


def test_supervisor_who_no_longer_supervises_cannot_download_their_zip(cast, caseload, login):
    batch = ready_batch(cast.supervisor, caseload)  # the supervisor reads the supervisee's couples
    web = login(cast.supervisor)
    assert web.get(zip_url(batch)).status_code == 200
    cast.therapist.supervisor = None
    cast.therapist.save(update_fields=["supervisor"])
    assert web.get(zip_url(batch)).status_code == 404


def shred(couple: Couple) -> None:
    """Discharge `couple` and shred it through the practice's service, on a day past its retention."""
    Couple.objects.filter(pk=couple.pk).update(status=CoupleStatus.DISCHARGED,
                                                end_date=couple.start_date + datetime.timedelta(days=10))
    couple.refresh_from_db()
    retention.shred_couple(couple=couple, confirmation=couple.reference,
                           today=couple.end_date.replace(year=couple.end_date.year + 20))


def test_after_shredding_a_couple_its_part_is_gone_from_the_zip(cast, caseload, login):
    batch = ready_batch(cast.therapist, caseload)
    shredded = caseload[1]
    shred(shredded)
    response = login(cast.therapist).get(zip_url(batch))
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = archive.namelist()
        note = archive.read(FAILURES_FILE).decode()
    assert pdf_name(shredded) not in names
    assert sorted(n for n in names if n.endswith(".pdf")) == sorted(pdf_name(c) for c in caseload if c != shredded)
    assert shredded.reference in note and "retention" in note
    # Nothing else holds it: the file row reads as nothing, and its single download is refused.
    report = GeneratedReport.objects.get(batch=batch, couple=shredded)
    assert report.content is None
    assert login(cast.therapist).get(file_url(report)).status_code == 404
    assert AuditEvent.objects.get(action="report.download", object_id=str(batch.pk)).detail["shredded"] == 1


def test_a_zip_holds_only_what_is_readable_at_the_moment_of_download(cast, caseload):
    """The same batch, downloaded twice: the second ZIP reflects the shredding in between (nothing is cached)."""
    batch = ready_batch(cast.therapist, caseload)
    before = downloaded_zip(batch)
    shred(caseload[2])
    after = downloaded_zip(batch)
    assert pdf_name(caseload[2]) in before and pdf_name(caseload[2]) not in after
    assert FAILURES_FILE not in before and FAILURES_FILE in after
