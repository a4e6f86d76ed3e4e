"""Once made the audit table append-only on PostgreSQL; that trigger now belongs to audit 0002_append_only.

Kept, empty, so that databases which applied it and new ones share one migration history."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("clinic", "0001_initial")]
    operations = []
