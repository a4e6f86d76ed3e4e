"""API tokens stored as SHA-256 digests (clinic.models.ApiToken) instead of DRF's authtoken table, which held
the live tokens in clear. Every existing token is revoked: its rows are deleted, and API clients request a new
token (POST /api/v1/auth/token/). `rest_framework.authtoken` is no longer installed; its emptied table stays and
may be dropped (README, "Security").
"""

import django.db.models.deletion
import django.utils.timezone
import uuid
from django.conf import settings
from django.db import migrations, models


def revoke_clear_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if "authtoken_token" in connection.introspection.table_names():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM authtoken_token")


class Migration(migrations.Migration):

    dependencies = [
        ('clinic', '0010_suicide_screen_safety_plan'),
    ]

    operations = [
        migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('digest', models.CharField(help_text='SHA-256 of the token, in hex.', max_length=64, unique=True)),
                ('created', models.DateTimeField(default=django.utils.timezone.now)),
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='api_token', to=settings.AUTH_USER_MODEL)),
            ],
        ),
        migrations.RunPython(revoke_clear_tokens, migrations.RunPython.noop),
    ]
