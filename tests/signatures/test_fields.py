import base64

import pytest
from django.core.exceptions import FieldError
from django.db import connection

from signatures.models import ConfirmationToken, Signature
from signatures.sealing import Sealed, SealError, UnknownKey, keyring
from tests.factories import make_petition, sign

pytestmark = pytest.mark.django_db

KEY_B = base64.b64encode(b"B" * 32).decode()


def stored(signature, field):
    """What the database holds in a column, read past the model."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {field} FROM signatures_signature WHERE id = %s",  # noqa: S608
            [signature.pk],
        )
        return cursor.fetchone()[0]


def store(signature, field, text):
    Signature.objects.filter(pk=signature.pk).update(**{field: Sealed(text)})


@pytest.fixture
def signature(confirmed):
    petition = make_petition()
    return confirmed(
        petition,
        full_name="김민지 Kim",
        email="kim@example.org",
        town="Seoul",
        ip_address="2001:db8::1",
    )


@pytest.fixture
def petition_with_pending(committed):
    petition = make_petition()
    with committed():
        signature = sign(petition, full_name="Pending Person", email="pending@example.org")
    return signature, signature.confirmation_tokens.get()


class TestSealedDetails:
    def test_read_back_in_clear(self, signature):
        signature = Signature.objects.get(pk=signature.pk)

        assert signature.full_name == "김민지 Kim"
        assert signature.email == "kim@example.org"
        assert signature.town == "Seoul"
        assert signature.ip_address == "2001:db8::1"

    def test_stored_sealed_under_the_current_key(self, signature):
        for field in ("full_name", "email_address", "town", "ip_address"):
            text = stored(signature, field)
            assert text.startswith(f"{keyring().current_id}:")
            assert "Kim" not in text and "Seoul" not in text

    def test_empty_details_are_stored_empty(self, confirmed):
        signature = confirmed(make_petition(), town="", ip_address=None)

        assert (stored(signature, "town"), stored(signature, "ip_address")) == ("", None)
        signature = Signature.objects.get(pk=signature.pk)
        assert (signature.town, signature.ip_address) == ("", None)

    def test_a_value_moved_to_another_signature_fails_loudly(self, signature, confirmed):
        other = confirmed(make_petition(), full_name="Lee")
        store(other, "full_name", stored(signature, "full_name"))

        with pytest.raises(SealError, match="fails authentication"):
            Signature.objects.get(pk=other.pk).full_name  # noqa: B018

    def test_a_value_moved_to_another_column_fails_loudly(self, signature):
        store(signature, "town", stored(signature, "full_name"))

        with pytest.raises(SealError, match="fails authentication"):
            Signature.objects.get(pk=signature.pk).town  # noqa: B018

    def test_a_submissions_value_does_not_open_as_its_signatures(self, petition_with_pending):
        signature, submission = petition_with_pending
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT full_name FROM signatures_confirmationtoken WHERE id = %s",
                [submission.pk],
            )
            store(signature, "full_name", cursor.fetchone()[0])

        assert ConfirmationToken.objects.get(pk=submission.pk).full_name == "Pending Person"
        with pytest.raises(SealError):
            Signature.objects.get(pk=signature.pk).full_name  # noqa: B018

    def test_a_tampered_value_fails_loudly_rather_than_read_wrong(self, signature):
        key, _, payload = stored(signature, "email_address").partition(":")
        data = bytearray(base64.b64decode(payload))
        data[20] ^= 0x20  # a letter of the address changes case, were it not for the tag
        store(signature, "email_address", f"{key}:{base64.b64encode(data).decode()}")

        with pytest.raises(SealError):
            Signature.objects.get(pk=signature.pk).email  # noqa: B018

    def test_a_lookup_by_clear_value_raises_instead_of_finding_nothing(self, signature):
        with pytest.raises(TypeError, match="sealed at rest"):
            Signature.objects.filter(full_name="김민지 Kim").exists()
        with pytest.raises(FieldError):
            Signature.objects.filter(town__icontains="Seoul").exists()

    def test_an_update_without_the_model_cannot_write_a_clear_value(self, signature):
        with pytest.raises(TypeError, match="sealed at rest"):
            Signature.objects.filter(pk=signature.pk).update(town="Busan")

    def test_values_list_gives_sealed_values_and_opened_rows_opens_them(self, signature):
        rows = Signature.objects.filter(pk=signature.pk)

        (sealed,) = rows.values_list("full_name", flat=True)
        assert isinstance(sealed, Sealed)
        assert list(rows.opened_rows("receipt", "full_name", "ip_address")) == [
            (signature.receipt, "김민지 Kim", "2001:db8::1")
        ]

    def test_deferred_details_are_opened_when_read(self, signature):
        loaded = Signature.objects.only("pk").get(pk=signature.pk)

        assert loaded.town == "Seoul"


class TestKeys:
    def test_a_value_sealed_under_an_old_key_still_opens(self, signature, settings):
        settings.SIGNATURE_DATA_KEY = KEY_B
        settings.SIGNATURE_DATA_OLD_KEYS = [settings.DEVELOPMENT_SIGNATURE_DATA_KEY]

        assert Signature.objects.get(pk=signature.pk).full_name == "김민지 Kim"

    def test_a_value_under_a_key_no_longer_configured_names_the_key(self, signature, settings):
        old = keyring().current_id
        settings.SIGNATURE_DATA_KEY = KEY_B

        with pytest.raises(UnknownKey, match=f"sealed under key '{old}'"):
            Signature.objects.get(pk=signature.pk).full_name  # noqa: B018

    def test_saving_seals_under_the_current_key(self, signature, settings):
        settings.SIGNATURE_DATA_KEY = KEY_B
        settings.SIGNATURE_DATA_OLD_KEYS = [settings.DEVELOPMENT_SIGNATURE_DATA_KEY]

        Signature.objects.get(pk=signature.pk).save()

        assert stored(signature, "town").startswith(f"{keyring().current_id}:")
        settings.SIGNATURE_DATA_OLD_KEYS = []
        assert Signature.objects.get(pk=signature.pk).town == "Seoul"
