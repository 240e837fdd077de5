from django.db import migrations, models

import signatures.fields


def sealed(verbose_name, row_field, **options):
    return signatures.fields.SealedField(
        blank=True, row_field=row_field, verbose_name=verbose_name, **options
    )


FIELDS = {
    "full_name": lambda row: sealed("full name", row, max_length=100),
    "email_address": lambda row: sealed("email", row, max_length=254),
    "town": lambda row: sealed("town or postcode", row, max_length=100),
    "ip_address": lambda row: sealed("IP address", row, null=True),
}


class Migration(migrations.Migration):
    dependencies = [
        ("signatures", "0016_seal_signer_details"),
    ]

    operations = [
        *(
            migrations.AlterField(model_name=model, name=name, field=field(row))
            for model, row in (("signature", "public_id"), ("confirmationtoken", "signature_id"))
            for name, field in FIELDS.items()
        ),
        migrations.RemoveConstraint(
            model_name="signature", name="signatures_signature_one_per_email"
        ),
        migrations.RemoveField(model_name="signature", name="canonical_email"),
        migrations.AddConstraint(
            model_name="signature",
            constraint=models.UniqueConstraint(
                fields=("petition", "email_hash"), name="signatures_signature_one_per_email"
            ),
        ),
        migrations.AddIndex(
            model_name="signature",
            index=models.Index(
                fields=["petition", "email_domain_hash"], name="signatures_petition_domain"
            ),
        ),
        migrations.AddIndex(
            model_name="signature",
            index=models.Index(fields=["ip_prefix"], name="signatures_ip_prefix"),
        ),
    ]
