"""Background tasks for report batches (Django's Tasks API, django-tasks backport).

They run in any `python manage.py db_worker --queue-name reports` process (`make run` starts one); single
reports asked for from a couple's page run on the `pdf` queue (`make run` starts a worker for it too), so a
month's batch never holds up the report a clinician is waiting for. Each task is
safe to run twice or concurrently on several machines: the work and its safety rules live in reports.services.
"""

from __future__ import annotations

from django_tasks import task

from reports.services import finishing, generation
from reports.services.batch_state import FINISHER_PRIORITY


@task(queue_name="reports")
def generate_report(report_id: str) -> str:
    """Generate one report of a batch (skips it if another worker has it or it is done)."""
    finishing.sweep_if_due()
    return generation.report_generate(report_id=report_id)


@task(queue_name="reports", priority=FINISHER_PRIORITY, takes_context=True)
def finish_batch(context, batch_id: str) -> str:
    """Requeue what dead workers left behind, build the ZIP when every report is done, else look again soon."""
    return finishing.batch_finish(batch_id=batch_id, finisher_id=str(context.task_result.id))


@task(queue_name="pdf")
def generate_single_report(report_id: str) -> str:
    """Generate one report asked for on its own (reports.services.single); the same rules as a batch's."""
    finishing.sweep_if_due()
    return generation.report_generate(report_id=report_id)
