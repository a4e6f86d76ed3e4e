"""DataKey and AuditEvent now belong to the keys and audit apps. Their tables stay as they are: this only
tells Django's model state; no row is copied and no table is renamed (keys 0001 and audit 0001 take them)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("clinic", "0004_practice_note_templates")]
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="DataKey"), migrations.DeleteModel(name="AuditEvent")],
            database_operations=[],
        ),
    ]
