from django.db import migrations, models

from signatures.display import masked_email
from signatures.identity import email_hash


def hash_addresses(apps, schema_editor):
    """Keep of each address staff typed its hash, which matches as the address did, and a
    masked form to read."""
    Invalidation = apps.get_model("signatures", "Invalidation")
    for invalidation in Invalidation.objects.exclude(email=""):
        invalidation.email_hash = email_hash(invalidation.email)
        invalidation.email_masked = masked_email(invalidation.email)
        invalidation.save(update_fields=["email_hash", "email_masked"])


def refuse_to_forget(apps, schema_editor):
    # A hash gives no address back: an invalidation left without its address would match
    # every signature its other criteria do.
    Invalidation = apps.get_model("signatures", "Invalidation")
    if Invalidation.objects.exclude(email_hash="").exists():
        raise migrations.exceptions.IrreversibleError(
            "Invalidations by email address keep only the address's hash, which cannot be "
            "turned back into the address."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("signatures", "0019_staff_list_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="invalidation",
            name="email_hash",
            field=models.CharField(blank=True, default="", editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="invalidation",
            name="email_masked",
            field=models.CharField(
                blank=True,
                default="",
                editable=False,
                max_length=254,
                verbose_name="email address",
            ),
        ),
        migrations.RunPython(hash_addresses, refuse_to_forget),
        migrations.RemoveField(
            model_name="invalidation",
            name="email",
        ),
    ]
