import pytest

from tests.reports.batch_helpers import IMMEDIATE_TASKS


@pytest.fixture
def immediate_tasks(settings):
    """Tasks run as they are queued (no worker): a single report is ready when the request that asks returns."""
    settings.TASKS = IMMEDIATE_TASKS
