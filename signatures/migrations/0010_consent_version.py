from django.db import migrations, models

# The consent text has not changed since the first release, so every signature made before
# versions were recorded agreed to this one.
FIRST_CONSENT_VERSION = "2026-11-29"


class Migration(migrations.Migration):
    dependencies = [
        ("signatures", "0009_trending_alerts"),
    ]

    operations = [
        migrations.AddField(
            model_name="confirmationtoken",
            name="consent_version",
            field=models.CharField(
                blank=True, default=FIRST_CONSENT_VERSION, max_length=20, verbose_name="consent version"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="signature",
            name="consent_version",
            field=models.CharField(
                blank=True, default=FIRST_CONSENT_VERSION, max_length=20, verbose_name="consent version"
            ),
            preserve_default=False,
        ),
    ]
