"""Partner.measures_consent_on: consent to share individual measures with the other partner in couple reports."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0006_risk_register"),
    ]

    operations = [
        migrations.AddField(
            model_name="partner",
            name="measures_consent_on",
            field=models.DateField(
                blank=True, null=True,
                verbose_name="consents to share individual measures with the partner in couple reports",
            ),
        ),
    ]
