"""ICD-10-CM diagnoses on the treatment plan (plans.diagnoses), per partner and for the relationship."""

import keys.fields
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('plans', '0006_library_sources'),
    ]

    operations = [
        migrations.AddField(
            model_name='treatmentplan',
            name='diagnoses',
            field=keys.fields.EncryptedJSONField(blank=True, help_text='ICD-10-CM codes from plans.diagnoses: {"a": [...], "b": [...], "relationship": ["Z63.0"]}.', null=True),
        ),
    ]
