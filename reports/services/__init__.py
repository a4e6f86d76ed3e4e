"""Report batches: ask for a month's reports at once, generate them in background workers, hand out one ZIP.

One generated report (GeneratedReport) moves like this:

    queued --claim--> running --store--> ready --expire--> expired
                        |--fail, attempt < 3--> queued (a new task is enqueued)
                        |--fail, attempt 3----> failed (a non-clinical message says why)
                        '--its worker died: running longer than RAPPORT_REPORT_STALE_SECONDS--> queued again

Workers are plain `python manage.py db_worker` processes, any number of them, on any machine, against one
database. What makes that safe:

- Claim: one short transaction locks the row (`select_for_update(skip_locked=True)` on PostgreSQL; on SQLite
  every transaction is IMMEDIATE, see settings, so claims are serialised), checks that it still waits (or that
  its worker is presumed dead), and counts the attempt. The attempt number is the claim token.
- Store: the file is written only if the row is still running under that same attempt number. A worker presumed
  dead that finishes late finds its claim taken over and throws its work away, so each report is delivered
  exactly once however many tasks were enqueued for it (duplicates are harmless: they find nothing to claim).
- Finish: a finishing task (`reports.tasks.finish_batch`) puts back in the queue the reports whose worker died or
  whose task was lost, marks the batch ready when nothing is left to do, and reschedules itself until then. The
  last report to be stored also marks the batch ready, so a batch completes even if the finishing task is lost; the
  batch page starts a new finishing task if nothing has moved for RAPPORT_REPORT_STALE_SECONDS.

Batch rows are always locked before report rows, so two writers never wait for each other in a circle.
Generated files are encrypted (each PDF under its couple's key, practice files under the practice's key) and
expire after RAPPORT_REPORT_EXPIRY_HOURS. No ZIP is stored: it is made at each download from the files whose
couples the requester may read at that moment (all of them, or the download is refused), leaving out couples
shredded since. Every download is audited.

One module per step:

    batches      asking for a batch (batch_create)
    generation   generating one report: claim, render, store or retry (report_generate)
    finishing    the finishing step: requeue what dead workers left, mark the batch ready (batch_finish,
                 reports_recover)
    files        handing files out and making the ZIP (audited), deleting them at expiry (report_download,
                 batch_download, reports_expire)
    batch_state  what the steps share: timings, queueing tasks, locking and recounting a batch
"""
