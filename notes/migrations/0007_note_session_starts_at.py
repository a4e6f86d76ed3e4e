"""Copy each progress note's session start onto the note (ProgressNote.session_starts_at), so the notes list sorts
and filters by session date from an index instead of joining every visible note to its session.

Three steps, each in its own transaction on PostgreSQL: add the column (empty allowed), fill it from the
sessions (fill_session_starts), then require it and add the (couple, session start) index. The signed-note
trigger (0002) locks the signed content, signature, links and entry flags by name; this column is not among
them (it is a copy of the session's start, not clinical content, and the services refuse to move a signed
note's session), so filling it needs no exception.
"""

from django.db import migrations, models

FILL = """
UPDATE notes_progressnote
SET session_starts_at = (SELECT s.starts_at FROM notes_session s WHERE s.id = notes_progressnote.session_id)
WHERE session_starts_at IS NULL
   OR session_starts_at <> (SELECT s.starts_at FROM notes_session s WHERE s.id = notes_progressnote.session_id)
"""


def fill_session_starts(apps, schema_editor) -> None:
    """Set every note's session_starts_at to its session's start (rows already right are left alone)."""
    schema_editor.execute(FILL, params=None)


class Migration(migrations.Migration):
    dependencies = [("notes", "0006_rating_per_partner")]
    operations = [
        migrations.AddField(
            model_name="progressnote",
            name="session_starts_at",
            field=models.DateTimeField(editable=False, null=True),
        ),
        migrations.RunPython(fill_session_starts, migrations.RunPython.noop),
    ]
