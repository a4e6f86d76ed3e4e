"""Encrypt the last free-text columns of a plan: an objective's unit, an intervention's frequency and "delivered by".

Each plain column is sealed into a new binary column under the couple's data key (keys.column_sealing), then
replaced by it. Reversible: the reverse opens the values back into plain columns.
"""

from django.db import migrations, models

import keys.fields
from keys import column_sealing

COLUMNS = (("objective", "unit"), ("intervention", "frequency"), ("intervention", "delivered_by"))


def seal(apps, schema_editor):
    with column_sealing.checks_immediate(schema_editor.connection):
        for model_name, column in COLUMNS:
            column_sealing.seal_column(apps.get_model("plans", model_name), plain=column, sealed=f"{column}_sealed",
                                       column=column, owner_kind="couple", owner_field="couple_id")


def unseal(apps, schema_editor):
    with column_sealing.checks_immediate(schema_editor.connection):
        for model_name, column in COLUMNS:
            column_sealing.open_column(apps.get_model("plans", model_name), sealed=f"{column}_sealed",
                                       plain=column, column=column, owner_kind="couple", owner_field="couple_id")


class Migration(migrations.Migration):

    dependencies = [
        ('keys', '0001_initial'),
        ('plans', '0007_plan_diagnoses'),
    ]

    operations = [
        *(migrations.AddField(model_name=model_name, name=f"{column}_sealed",
                              field=models.BinaryField(null=True))
          for model_name, column in COLUMNS),
        migrations.RunPython(seal, unseal),
        # A default for the plain column, so that the reverse can add it back to a table that has rows.
        migrations.AlterField(model_name="objective", name="unit", field=models.CharField(max_length=40, default="")),
        *(migrations.RemoveField(model_name=model_name, name=column) for model_name, column in COLUMNS),
        *(migrations.RenameField(model_name=model_name, old_name=f"{column}_sealed", new_name=column)
          for model_name, column in COLUMNS),
        migrations.AlterField(
            model_name='objective',
            name='unit',
            field=keys.fields.EncryptedCharField(help_text='e.g. per week, 0-10 rating', max_length=40),
        ),
        migrations.AlterField(
            model_name='intervention',
            name='frequency',
            field=keys.fields.EncryptedCharField(blank=True, help_text='e.g. every session, weekly homework', max_length=80),
        ),
        migrations.AlterField(
            model_name='intervention',
            name='delivered_by',
            field=keys.fields.EncryptedCharField(blank=True, help_text='e.g. primary therapist, both partners', max_length=120),
        ),
    ]
