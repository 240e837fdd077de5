import pytest
from django.db import IntegrityError

from signatures.identity import email_hash
from signatures.models import Signature, SignatureTally
from tests.factories import make_petition


@pytest.mark.parametrize(
    ("full_name", "shown"),
    [
        ("Kim Min-ji", "Kim"),
        ("김 민지", "김"),
        ("Madonna", "M."),
        ("E\u0301mile", "\u00c9."),  # an accent typed as a combining mark
        ("Nguyễn Văn A", "Nguyễn"),
        ("محمد الأحمد", "محمد"),
        ("", ""),
    ],
)
def test_public_name_never_reveals_a_full_name(full_name, shown):
    assert Signature(full_name=full_name).public_name == shown


@pytest.mark.parametrize(
    ("full_name", "shown"),
    [
        ("김민준", "김○○"),
        ("남궁민", "남○○"),
        ("王小明", "王○○"),
        ("欧阳娜娜", "欧○○"),
        ("山田花子", "山○○"),
        ("さくら", "さ○○"),
        ("サクラ", "サ○○"),
        ("\u1100\u1175\u11b7\u1106\u1175\u11ab", "김○○"),  # Hangul typed as separate jamo
    ],
)
def test_a_name_in_han_hangul_or_kana_written_as_one_word_shows_its_family_name_masked(
    full_name, shown
):
    assert Signature(full_name=full_name).public_name == shown


def test_the_mask_does_not_tell_how_long_a_name_is():
    assert Signature(full_name="王明").public_name == Signature(full_name="王小明").public_name


@pytest.mark.django_db
class TestConstraints:
    def test_one_signature_per_canonical_email_per_petition(self):
        petition = make_petition()
        fields = {
            "petition": petition,
            "country": "KR",
            "email_hash": email_hash("kim@example.org"),
        }
        Signature.objects.create(receipt="AAAAAAAAAA", **fields)

        with pytest.raises(IntegrityError):
            Signature.objects.create(receipt="BBBBBBBBBB", **fields)

    def test_withdrawn_signatures_without_an_email_do_not_collide(self):
        petition = make_petition()
        for receipt in ("AAAAAAAAAA", "BBBBBBBBBB"):
            Signature.objects.create(
                petition=petition, country="KR", receipt=receipt, email_hash=None
            )

        assert Signature.objects.count() == 2

    def test_confirmed_signature_must_have_a_confirmation_time(self):
        with pytest.raises(IntegrityError):
            Signature.objects.create(
                petition=make_petition(),
                country="KR",
                receipt="AAAAAAAAAA",
                status=Signature.Status.CONFIRMED,
            )

    def test_receipts_are_unique(self):
        petition = make_petition()
        Signature.objects.create(petition=petition, country="KR", receipt="AAAAAAAAAA")

        with pytest.raises(IntegrityError):
            Signature.objects.create(petition=petition, country="GB", receipt="AAAAAAAAAA")

    def test_one_counter_row_per_petition_country_and_shard(self):
        petition = make_petition()
        SignatureTally.objects.create(petition=petition, country="KR", shard=1, count=1)

        with pytest.raises(IntegrityError):
            SignatureTally.objects.create(petition=petition, country="KR", shard=1, count=1)
