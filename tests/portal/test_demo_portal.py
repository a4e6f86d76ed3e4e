"""The demo's partner portal: one partner with a login, a PHQ-9 to answer and this week's log in progress."""

import pytest

from demo import portal as demo_portal
from plans.models import CheckingLogEntry, EntrySource
from portal.models import PortalAccount
from portal.selectors.partner import due_for_partner
from portal.services.accounts import portal_authenticate
from tests.plans.measure_factories import plan

pytestmark = pytest.mark.django_db


def test_demo_partner_has_a_login_a_phq9_due_and_a_log_in_progress(cast, rf):
    plan(cast.couple, cast.therapist)
    created = demo_portal.seed(cast.practice)
    assert created["portal account"] == 1
    account = PortalAccount.objects.get()
    assert [item.instrument.code for item in due_for_partner(account)] == ["phq9"]
    assert CheckingLogEntry.objects.filter(partner="a", source=EntrySource.CLIENT).count() == 2
    request = rf.post("/portal/login/")
    request.session = {}
    assert portal_authenticate(request=request, email=demo_portal.PORTAL_EMAIL,
                               password=demo_portal.PORTAL_PASSWORD) == account
    assert demo_portal.PORTAL_EMAIL in demo_portal.login_line(cast.practice)
    assert demo_portal.seed(cast.practice) == {}  # idempotent
