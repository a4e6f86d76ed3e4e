"""Audit events, taken over from clinic: the table clinic_auditevent stays where clinic made it."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = [("clinic", "0005_keys_and_audit_to_their_own_apps")]
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AuditEvent',
                    fields=[
                        ('id', models.BigAutoField(primary_key=True, serialize=False)),
                        ('at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                        ('actor_id', models.UUIDField(blank=True, db_index=True, null=True)),
                        ('actor_username', models.CharField(blank=True, max_length=150)),
                        ('practice_id', models.UUIDField(blank=True, db_index=True, null=True)),
                        ('action', models.CharField(db_index=True, max_length=60)),
                        ('outcome', models.CharField(choices=[('ok', 'Allowed'), ('denied', 'Refused'), ('failed', 'Failed')], default='ok', max_length=10)),
                        ('object_type', models.CharField(blank=True, max_length=60)),
                        ('object_id', models.CharField(blank=True, db_index=True, max_length=64)),
                        ('couple_id', models.UUIDField(blank=True, db_index=True, null=True)),
                        ('ip', models.GenericIPAddressField(blank=True, null=True)),
                        ('request_id', models.CharField(blank=True, max_length=32)),
                        ('detail', models.JSONField(blank=True, default=dict)),
                        ('prev_hash', models.CharField(max_length=64)),
                        ('hash', models.CharField(max_length=64, unique=True)),
                    ],
                    options={
                        'db_table': 'clinic_auditevent',
                        'ordering': ['id'],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
