"""Every note now has its session's start (0005): require it, and index it with the couple for the notes list."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("notes", "0007_note_session_starts_at")]
    operations = [
        migrations.AlterField(
            model_name="progressnote",
            name="session_starts_at",
            field=models.DateTimeField(editable=False),
        ),
        migrations.AddIndex(
            model_name="progressnote",
            index=models.Index(fields=["couple", "session_starts_at"], name="notes_note_couple_start"),
        ),
    ]
