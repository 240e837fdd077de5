import ipaddress

from django.db import migrations

from signatures.identity import canonical_email, email_domain_hash, ip_prefix, keyed_hash
from signatures.sealing import context, seal, unseal

SEALED = ("full_name", "email_address", "town", "ip_address")
# The field each model's details are sealed to, as the models name it (`sealed_row_field`).
ROWS = {"signature": "public_id", "confirmationtoken": "signature_id"}
BATCH = 1000


def _batches(model):
    """Every row, a thousand at a time, so that memory stays flat however many there are."""
    last = 0
    while batch := list(model.objects.filter(pk__gt=last).order_by("pk")[:BATCH]):
        yield batch
        last = batch[-1].pk


def _plain_ip(value):
    # PostgreSQL's inet, cast to text, says "203.0.113.9/32".
    return str(ipaddress.ip_interface(value).ip) if value else value


def _transform(apps, name, change, extra=()):
    model = apps.get_model("signatures", name)
    label = model._meta.label_lower
    for batch in _batches(model):
        for row in batch:
            identity = getattr(row, ROWS[name])
            for field in SEALED:
                value = getattr(row, field)
                if value:
                    setattr(row, field, change(value, context(label, field, identity), field))
        model.objects.bulk_update(batch, [*SEALED, *extra])


def seal_signer_details(apps, schema_editor):
    """Seal every name, address, town and IP address; find signatures by hashes instead."""
    Signature = apps.get_model("signatures", "Signature")
    # Hashes and networks first, from the clear values.
    for batch in _batches(Signature):
        for signature in batch:
            email = signature.email_address or signature.canonical_email or ""
            canonical = signature.canonical_email
            # As stored: 0002 kept a pair that canonicalising again would have made collide.
            signature.email_hash = keyed_hash(canonical) if canonical else None
            signature.email_domain_hash = email_domain_hash(email)
            signature.ip_prefix = ip_prefix(_plain_ip(signature.ip_address))
        Signature.objects.bulk_update(batch, ["email_hash", "email_domain_hash", "ip_prefix"])

    def sealed(value, context, field):
        if field == "ip_address":
            value = _plain_ip(value)
        return seal(value, context).text

    for name in ROWS:
        _transform(apps, name, sealed)


def open_signer_details(apps, schema_editor):
    """Back to clear values, and to the canonical address each hash was made from.

    A hash cannot be read back: the address comes from the signature, or for a pending one
    from its latest link, and is kept only where it gives the same hash, so that it is the
    value that was stored (and unique) before.
    """

    def opened(value, context, field):
        return unseal(value, context)

    for name in ("confirmationtoken", "signature"):
        _transform(apps, name, opened)
    Signature = apps.get_model("signatures", "Signature")
    ConfirmationToken = apps.get_model("signatures", "ConfirmationToken")
    for batch in _batches(Signature):
        latest = dict(
            ConfirmationToken.objects.filter(signature__in=batch)
            .order_by("signature_id", "pk")
            .values_list("signature_id", "email_address")
        )
        for signature in batch:
            email = signature.email_address or latest.get(signature.pk, "")
            canonical = canonical_email(email) if email else None
            if canonical and keyed_hash(canonical) == signature.email_hash:
                signature.canonical_email = canonical
        Signature.objects.bulk_update(batch, ["canonical_email"])


class Migration(migrations.Migration):
    dependencies = [
        ("signatures", "0015_signer_details_as_text"),
    ]

    operations = [
        migrations.RunPython(seal_signer_details, open_signer_details),
    ]
