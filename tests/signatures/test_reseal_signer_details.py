import base64
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from signatures.fields import SealedField
from signatures.models import ConfirmationToken, Signature
from signatures.sealing import keyring
from signatures.services import signature_update_details
from tests.factories import make_petition, sign

pytestmark = pytest.mark.django_db

KEY_A = base64.b64encode(b"A" * 32).decode()
KEY_B = base64.b64encode(b"B" * 32).decode()
KEY_C = base64.b64encode(b"C" * 32).decode()


def key_ids(table):
    """The key of every sealed value in a table, read past the models."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT full_name, email_address, town, ip_address FROM {table}"  # noqa: S608
        )
        return {value.partition(":")[0] for row in cursor.fetchall() for value in row if value}


def reseal(**options) -> list[str]:
    """The lines the command wrote."""
    out = io.StringIO()
    call_command("reseal_signer_details", stdout=out, **options)
    return out.getvalue().splitlines()


@pytest.fixture
def under_key_a(settings, confirmed, committed):
    """Confirmed and pending signatures, with their submissions, all sealed under key A."""
    settings.SIGNATURE_DATA_KEY = KEY_A
    petition = make_petition()
    signatures = [
        confirmed(petition, full_name=f"Signer {n}", town="Seoul", ip_address="203.0.113.7")
        for n in range(5)
    ]
    with committed():
        pending = sign(petition, full_name="Pending", ip_address="2001:db8::7")
    return [*signatures, pending]


def everything_reads(signatures):
    for signature in signatures:
        fresh = Signature.objects.get(pk=signature.pk)
        assert (fresh.full_name, fresh.email, fresh.town, fresh.ip_address) == (
            signature.full_name,
            signature.email,
            signature.town,
            signature.ip_address,
        )
    for submission in ConfirmationToken.objects.all():
        assert submission.full_name == "Pending"
        assert submission.ip_address == "2001:db8::7"


def test_details_sealed_under_the_old_key_read_under_the_new_one(under_key_a, settings):
    settings.SIGNATURE_DATA_KEY, settings.SIGNATURE_DATA_OLD_KEYS = KEY_B, [KEY_A]

    everything_reads(under_key_a)


def test_after_resealing_everything_reads_without_the_old_key(under_key_a, settings):
    settings.SIGNATURE_DATA_KEY, settings.SIGNATURE_DATA_OLD_KEYS = KEY_B, [KEY_A]

    output = reseal(batch_size=2)

    current = keyring().current_id
    assert key_ids("signatures_signature") == key_ids("signatures_confirmationtoken") == {current}
    assert f"6 rows resealed under key {current}." in output
    assert output[:3] == [
        "signatures: 2 of 6 read",
        "signatures: 4 of 6 read",
        "signatures: 6 of 6 read",
    ]
    assert "confirmation tokens: 1 of 1 read" in output
    settings.SIGNATURE_DATA_OLD_KEYS = []
    everything_reads(under_key_a)


def test_resealing_again_finds_nothing_to_do(under_key_a, settings):
    settings.SIGNATURE_DATA_KEY, settings.SIGNATURE_DATA_OLD_KEYS = KEY_B, [KEY_A]
    reseal()

    output = reseal()

    assert f"0 rows resealed under key {keyring().current_id}." in output
    assert output[-1] == "Every signer's details are under the current key."


def test_a_value_under_a_key_no_one_configured_stops_it_with_its_row(under_key_a, settings):
    settings.SIGNATURE_DATA_KEY, settings.SIGNATURE_DATA_OLD_KEYS = KEY_C, [KEY_B]

    with pytest.raises(CommandError) as raised:
        reseal()

    message = str(raised.value)
    assert f"signatures.Signature {under_key_a[0].pk}, full_name:" in message
    assert "Add that key to SIGNATURE_DATA_OLD_KEYS." in message


def test_a_change_made_while_resealing_is_kept(under_key_a, settings, monkeypatch):
    settings.SIGNATURE_DATA_KEY, settings.SIGNATURE_DATA_OLD_KEYS = KEY_B, [KEY_A]
    target = under_key_a[0]
    unseal_for_row = SealedField.unseal_for_row

    def signer_changes_their_name_meanwhile(field, value, row):
        if row == target.public_id and field.name == "full_name":
            monkeypatch.setattr(SealedField, "unseal_for_row", unseal_for_row)
            signature_update_details(
                signature=target, full_name="New Name", town="Busan", name_visibility="public"
            )
        return unseal_for_row(field, value, row)

    monkeypatch.setattr(SealedField, "unseal_for_row", signer_changes_their_name_meanwhile)

    output = reseal()

    changed = Signature.objects.get(pk=target.pk)
    assert (changed.full_name, changed.town) == ("New Name", "Busan")
    assert f"6 rows resealed under key {keyring().current_id}." in output
    assert output[-1] == "Every signer's details are under the current key."
    settings.SIGNATURE_DATA_OLD_KEYS = []
    assert Signature.objects.get(pk=target.pk).email == target.email


def test_a_signature_loaded_before_resealing_and_saved_after_it_stays_readable(
    under_key_a, settings
):
    settings.SIGNATURE_DATA_KEY, settings.SIGNATURE_DATA_OLD_KEYS = KEY_B, [KEY_A]
    loaded_earlier = Signature.objects.get(pk=under_key_a[0].pk)
    reseal()

    loaded_earlier.save()

    settings.SIGNATURE_DATA_OLD_KEYS = []
    assert Signature.objects.get(pk=under_key_a[0].pk).full_name == "Signer 0"


def while_resealing(monkeypatch, target, change):
    """Run change() each time the resealing opens the target's name."""
    unseal_for_row = SealedField.unseal_for_row

    def opened(field, value, row):
        if row == target.public_id and field.name == "full_name":
            change()
        return unseal_for_row(field, value, row)

    monkeypatch.setattr(SealedField, "unseal_for_row", opened)


def test_a_row_that_keeps_changing_is_left_and_reported(under_key_a, settings, monkeypatch):
    settings.SIGNATURE_DATA_KEY, settings.SIGNATURE_DATA_OLD_KEYS = KEY_B, [KEY_A]
    target = under_key_a[0]
    towns = iter(range(100))

    def town_changes_under_the_old_key():
        with override_settings(SIGNATURE_DATA_KEY=KEY_A, SIGNATURE_DATA_OLD_KEYS=[]):
            town = Signature._meta.get_field("town").seal_for_row(
                f"Town {next(towns)}", target.public_id
            )
        Signature.objects.filter(pk=target.pk).update(town=town)

    while_resealing(monkeypatch, target, town_changes_under_the_old_key)

    output = reseal()

    assert f"5 rows resealed under key {keyring().current_id}." in output
    assert output[-1] == (
        "1 rows kept changing while they were read and were left as they are; run the command "
        "again."
    )
    assert next(towns) == 5  # read and tried five times


def test_a_row_deleted_while_resealing_is_passed_over(under_key_a, settings, monkeypatch):
    settings.SIGNATURE_DATA_KEY, settings.SIGNATURE_DATA_OLD_KEYS = KEY_B, [KEY_A]
    target = under_key_a[0]
    while_resealing(monkeypatch, target, lambda: Signature.objects.filter(pk=target.pk).delete())

    output = reseal()

    current = keyring().current_id
    assert key_ids("signatures_signature") == key_ids("signatures_confirmationtoken") == {current}
    assert f"5 rows resealed under key {current}." in output
    assert output[-1] == "Every signer's details are under the current key."
