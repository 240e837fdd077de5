import django_countries.fields
from django.db import migrations, models

from signatures.identity import canonical_email

DETAILS = (
    "full_name",
    "email_address",
    "country",
    "town",
    "name_visibility",
    "wants_updates",
    "language",
    "ip_address",
)


def move_pending_details_to_their_links(apps, schema_editor):
    """A pending signature's details now travel with its links; the signature keeps none."""
    Signature = apps.get_model("signatures", "Signature")
    ConfirmationToken = apps.get_model("signatures", "ConfirmationToken")
    pending = Signature.objects.filter(status="pending")
    for signature in pending.iterator():
        values = {field: getattr(signature, field) for field in DETAILS}
        links = ConfirmationToken.objects.filter(signature=signature)
        if links.exists():
            links.update(**values, sent_at=models.F("created_at"))
        else:
            # Its email was still queued: the queued task finds this submission and sends it.
            ConfirmationToken.objects.create(signature=signature, **values)
    pending.update(full_name="", email_address="", town="", ip_address=None, wants_updates=False)


def recanonicalise_emails(apps, schema_editor):
    """Spellings of one mailbox that used to differ (IDNA, quotes) now share one canonical form.

    Where two signatures of one petition now collide, both are kept as they are: nothing that
    was accepted is dropped, and staff can see the pair by searching for the address.
    """
    Signature = apps.get_model("signatures", "Signature")
    taken = set(
        Signature.objects.exclude(canonical_email=None).values_list("petition_id", "canonical_email")
    )
    for signature in Signature.objects.exclude(canonical_email=None).iterator():
        address = signature.email_address or signature.canonical_email
        canonical = canonical_email(address)
        if canonical == signature.canonical_email or (signature.petition_id, canonical) in taken:
            continue
        taken.add((signature.petition_id, canonical))
        Signature.objects.filter(pk=signature.pk).update(canonical_email=canonical)


def move_details_back_to_pending_signatures(apps, schema_editor):
    Signature = apps.get_model("signatures", "Signature")
    ConfirmationToken = apps.get_model("signatures", "ConfirmationToken")
    for signature in Signature.objects.filter(status="pending").iterator():
        latest = ConfirmationToken.objects.filter(signature=signature).order_by("pk").last()
        if latest is not None:
            values = {field: getattr(latest, field) for field in DETAILS}
            Signature.objects.filter(pk=signature.pk).update(**values)
    # Links never sent have no hash, which the older schema requires.
    ConfirmationToken.objects.filter(token_hash=None).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("signatures", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="confirmationtoken",
            name="token_hash",
            field=models.CharField(blank=True, max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="confirmationtoken",
            name="full_name",
            field=models.CharField(blank=True, max_length=100, verbose_name="full name"),
        ),
        migrations.AddField(
            model_name="confirmationtoken",
            name="email_address",
            field=models.EmailField(blank=True, max_length=254, verbose_name="email"),
        ),
        migrations.AddField(
            model_name="confirmationtoken",
            name="country",
            field=django_countries.fields.CountryField(
                default="", max_length=2, verbose_name="country"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="confirmationtoken",
            name="town",
            field=models.CharField(blank=True, max_length=100, verbose_name="town or postcode"),
        ),
        migrations.AddField(
            model_name="confirmationtoken",
            name="name_visibility",
            field=models.CharField(
                choices=[
                    (
                        "public",
                        "Show my name on this page and in the list delivered to the recipient",
                    ),
                    ("recipient", "Only include my name in the list delivered to the recipient"),
                    ("anonymous", "Never share my name; only count my signature"),
                ],
                default="recipient",
                max_length=10,
                verbose_name="use of name",
            ),
        ),
        migrations.AddField(
            model_name="confirmationtoken",
            name="wants_updates",
            field=models.BooleanField(
                default=False, verbose_name="wants updates from the organiser"
            ),
        ),
        migrations.AddField(
            model_name="confirmationtoken",
            name="language",
            field=models.CharField(default="en", max_length=10, verbose_name="language"),
        ),
        migrations.AddField(
            model_name="confirmationtoken",
            name="ip_address",
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name="IP address"),
        ),
        migrations.AddField(
            model_name="confirmationtoken",
            name="sent_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(
            move_pending_details_to_their_links, move_details_back_to_pending_signatures
        ),
        migrations.RunPython(recanonicalise_emails, migrations.RunPython.noop),
    ]
