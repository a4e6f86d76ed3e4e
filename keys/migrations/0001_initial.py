"""Data keys, taken over from clinic: the table clinic_datakey stays where clinic made it."""

import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = [("clinic", "0005_keys_and_audit_to_their_own_apps")]
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='DataKey',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('owner_kind', models.CharField(max_length=10)),
                        ('owner_id', models.UUIDField()),
                        ('kek_id', models.CharField(db_index=True, max_length=64)),
                        ('wrapped_key', models.BinaryField()),
                        ('state', models.CharField(choices=[('active', 'Active'), ('retiring', 'Retiring (being rotated out)'), ('shredded', 'Destroyed')], default='active', max_length=10)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('rewrapped_at', models.DateTimeField(blank=True, null=True)),
                        ('shredded_at', models.DateTimeField(blank=True, null=True)),
                    ],
                    options={
                        'db_table': 'clinic_datakey',
                        'indexes': [models.Index(fields=['owner_kind', 'owner_id'], name='clinic_data_owner_k_4e828d_idx')],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('state', 'active')), fields=('owner_kind', 'owner_id'), name='one_active_key_per_owner')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
