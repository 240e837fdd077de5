from django.db import migrations, models

# The columns that will hold sealed details become text, which fits a sealed value of any
# length; the next migration seals them, the one after makes them sealed fields.
SEALED = {
    "full_name": models.TextField(blank=True, verbose_name="full name"),
    "email_address": models.TextField(blank=True, verbose_name="email"),
    "town": models.TextField(blank=True, verbose_name="town or postcode"),
    "ip_address": models.TextField(blank=True, null=True, verbose_name="IP address"),
}


class Migration(migrations.Migration):
    dependencies = [
        ("signatures", "0014_invalidations"),
    ]

    operations = [
        *(
            migrations.AlterField(model_name=model, name=name, field=field.clone())
            for model in ("signature", "confirmationtoken")
            for name, field in SEALED.items()
        ),
        migrations.AddField(
            model_name="signature",
            name="email_hash",
            field=models.CharField(blank=True, editable=False, max_length=64, null=True),
        ),
    ]
