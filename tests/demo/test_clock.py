"""demo.clock: the demo's past steps run with the clock frozen at their moment, without patching any module."""

from __future__ import annotations

import datetime
import time

import pytest
from django.utils import timezone

from demo.clock import clock_at


def test_the_clock_refuses_the_future_and_reaches_code_that_reads_time_otherwise():
    with pytest.raises(ValueError), clock_at(timezone.now() + datetime.timedelta(hours=1)):
        pass
    moment = timezone.now() - datetime.timedelta(days=30)
    with clock_at(moment):
        # Not only django.utils.timezone: whatever a module reads the time with sees the same moment.
        assert datetime.datetime.now(datetime.UTC) == moment
        assert time.time() == pytest.approx(moment.timestamp())


def test_the_clock_is_put_back_after_use():
    from plans.services import plans as plan_services

    moment = timezone.now() - datetime.timedelta(days=100)
    with clock_at(moment):
        assert plan_services.timezone.now() == moment
        assert plan_services.timezone.localdate() == timezone.localdate(moment)
    assert plan_services.timezone is timezone
    assert timezone.now() - moment > datetime.timedelta(days=99)
