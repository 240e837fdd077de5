import pytest
from django.db import connection
from django.db.migrations.exceptions import IrreversibleError
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("signatures", "0001_initial"), ("petitions", "0002_petition_language")]
AFTER = [("signatures", "0002_confirmation_details")]


@pytest.mark.django_db(transaction=True)
def test_pending_signatures_keep_their_details_on_their_links(executor):
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    petition = old.get_model("petitions", "Petition").objects.create(
        slug="kept", title="Kept", summary="s", body="b", target="t", goal=1
    )
    Signature = old.get_model("signatures", "Signature")
    pending = Signature.objects.create(
        petition=petition,
        full_name="Kim Min-ji",
        email_address="kim@example.org",
        canonical_email="kim@example.org",
        country="KR",
        town="Seoul",
        name_visibility="public",
        receipt="AAAAAAAAAA",
    )
    old.get_model("signatures", "ConfirmationToken").objects.create(
        signature=pending, token_hash="a" * 64
    )
    queued = Signature.objects.create(
        petition=petition,
        full_name="Queued Signer",
        email_address="queued@example.org",
        canonical_email="queued@example.org",
        country="GB",
        receipt="BBBBBBBBBB",
    )
    idn = Signature.objects.create(
        petition=petition,
        status="confirmed",
        confirmed_at="2026-11-01T00:00:00Z",
        full_name="Dup",
        email_address="dup@bücher.de",
        canonical_email="dup@bücher.de",
        country="DE",
        receipt="CCCCCCCCCC",
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps

    links = new.get_model("signatures", "ConfirmationToken").objects
    link = links.get(signature_id=pending.pk)
    assert (link.full_name, link.email_address, link.country, link.town) == (
        "Kim Min-ji",
        "kim@example.org",
        "KR",
        "Seoul",
    )
    assert link.name_visibility == "public"
    assert link.sent_at is not None
    waiting = links.get(signature_id=queued.pk)
    assert (waiting.full_name, waiting.token_hash) == ("Queued Signer", None)
    signatures = new.get_model("signatures", "Signature").objects
    signature = signatures.get(pk=pending.pk)
    assert (signature.full_name, signature.email_address, signature.town) == ("", "", "")
    assert signatures.get(pk=idn.pk).canonical_email == "dup@xn--bcher-kva.de"


@pytest.mark.django_db(transaction=True)
def test_migrating_back_returns_the_details_to_pending_signatures(executor, committed):
    from django.core import mail

    from signatures.services import signature_create
    from tests.factories import make_petition

    with committed():
        signature_create(
            petition=make_petition(), full_name="Kim", email="kim@example.org", country="KR"
        )
    mail.outbox.clear()

    executor.loader.build_graph()
    executor.migrate(BEFORE)

    old = executor.loader.project_state(BEFORE).apps
    signature = old.get_model("signatures", "Signature").objects.get()
    assert (signature.full_name, signature.email_address) == ("Kim", "kim@example.org")


@pytest.mark.django_db(transaction=True)
def test_signatures_and_submissions_from_before_consent_versions_get_the_first_version(executor):
    before = [
        ("signatures", "0009_trending_alerts"),
        ("petitions", "0004_requires_challenge"),
    ]
    after = [("signatures", "0010_consent_version")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    petition = old.get_model("petitions", "Petition").objects.create(
        slug="versioned",
        title="Versioned",
        summary="s",
        body="b",
        target="t",
        goal=1,
    )
    signature = old.get_model("signatures", "Signature").objects.create(
        petition=petition, country="KR", receipt="AAAAAAAAAA"
    )
    old.get_model("signatures", "ConfirmationToken").objects.create(
        signature=signature, country="KR", token_hash="a" * 64
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    new = executor.loader.project_state(after).apps

    migrated = new.get_model("signatures", "Signature").objects.get(pk=signature.pk)
    submission = new.get_model("signatures", "ConfirmationToken").objects.get()
    assert migrated.consent_version == "2026-11-29"
    assert submission.consent_version == "2026-11-29"


BEFORE_SEALING = [("signatures", "0014_invalidations")]
SEALED = [("signatures", "0017_sealed_signer_details")]


def read_past_the_model(table, pk):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT full_name, email_address, town, ip_address FROM {table} WHERE id = %s",  # noqa: S608
            [pk],
        )
        return " ".join(value or "" for value in cursor.fetchone())


@pytest.mark.django_db(transaction=True)
def test_existing_details_are_sealed_and_found_by_hashes_and_opened_again_going_back(executor):
    from signatures.identity import email_domain_hash
    from signatures.models import ConfirmationToken, Signature
    from tests.factories import make_petition

    petition = make_petition()  # petitions are not migrated here
    executor.migrate(BEFORE_SEALING)
    old = executor.loader.project_state(BEFORE_SEALING).apps
    OldSignature = old.get_model("signatures", "Signature")
    confirmed = OldSignature.objects.create(
        petition_id=petition.pk,
        status="confirmed",
        confirmed_at="2026-11-01T00:00:00Z",
        full_name="Kim Min-ji",
        email_address="Kim+news@Bücher.de",
        canonical_email="kim@xn--bcher-kva.de",
        country="KR",
        town="Seoul",
        ip_address="203.0.113.9",
        receipt="AAAAAAAAAAAAAAA",
    )
    pending = OldSignature.objects.create(
        petition_id=petition.pk, canonical_email="lee@example.org", country="GB", receipt="B" * 15
    )
    old.get_model("signatures", "ConfirmationToken").objects.create(
        signature=pending,
        full_name="Lee Seo-yeon",
        email_address="Lee@example.org",
        country="GB",
        town="Leeds",
        ip_address="2001:db8:1:2::5",
        token_hash="a" * 64,
    )
    withdrawn = OldSignature.objects.create(
        petition_id=petition.pk, status="withdrawn", country="GB", receipt="C" * 15
    )

    executor = MigrationExecutor(connection)
    executor.migrate(SEALED)

    signature = Signature.objects.with_email("kim@bücher.de").get()
    assert signature.pk == confirmed.pk
    assert (signature.full_name, signature.email, signature.town, signature.ip_address) == (
        "Kim Min-ji",
        "Kim+news@Bücher.de",
        "Seoul",
        "203.0.113.9",
    )
    assert signature.ip_prefix == "203.0.113.0/24"
    assert signature.email_domain_hash == email_domain_hash("anyone@bücher.de")
    assert Signature.objects.with_email("LEE@example.org").get().pk == pending.pk
    submission = ConfirmationToken.objects.get(signature_id=pending.pk)
    assert (submission.full_name, submission.ip_address) == ("Lee Seo-yeon", "2001:db8:1:2::5")
    assert Signature.objects.get(pk=withdrawn.pk).email_hash is None
    stored = read_past_the_model("signatures_signature", confirmed.pk) + read_past_the_model(
        "signatures_confirmationtoken", submission.pk
    )
    for clear in ("Kim", "Bücher", "Seoul", "203.0.113", "Lee", "Leeds", "2001:db8"):
        assert clear not in stored

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_SEALING)

    old = executor.loader.project_state(BEFORE_SEALING).apps
    OldSignature = old.get_model("signatures", "Signature")
    signature = OldSignature.objects.get(pk=confirmed.pk)
    assert (signature.full_name, signature.email_address, signature.town) == (
        "Kim Min-ji",
        "Kim+news@Bücher.de",
        "Seoul",
    )
    assert (signature.canonical_email, signature.ip_address) == (
        "kim@xn--bcher-kva.de",
        "203.0.113.9",
    )
    assert OldSignature.objects.get(pk=pending.pk).canonical_email == "lee@example.org"
    assert OldSignature.objects.get(pk=withdrawn.pk).canonical_email is None
    submission = old.get_model("signatures", "ConfirmationToken").objects.get(signature=pending.pk)
    assert (submission.full_name, submission.ip_address) == ("Lee Seo-yeon", "2001:db8:1:2::5")


BEFORE_NAME_TOKENS = [("signatures", "0017_sealed_signer_details")]


@pytest.mark.django_db(transaction=True)
def test_existing_names_are_indexed_and_invalidation_addresses_kept_as_hashes(executor):
    from signatures.identity import email_hash
    from signatures.invalidations import candidates
    from signatures.models import Invalidation, Signature
    from signatures.search import signatures_search
    from tests.factories import make_petition

    petition = make_petition()  # petitions are not migrated here
    executor.migrate(BEFORE_NAME_TOKENS)
    old = executor.loader.project_state(BEFORE_NAME_TOKENS).apps
    old.get_model("signatures", "Signature").objects.create(
        petition_id=petition.pk,
        status="confirmed",
        confirmed_at="2026-11-01T00:00:00Z",
        full_name="Kim Min-ji",
        email_hash=email_hash("kim@example.org"),
        country="KR",
        receipt="A" * 15,
    )
    old.get_model("signatures", "Invalidation").objects.create(
        petition_id=petition.pk, email="Kim+x@Example.org", reason="A wave of fakes"
    )

    executor.loader.build_graph()
    # Through the migrations that index names and hash addresses, to the latest, which the
    # models below are.
    executor.migrate(executor.loader.graph.leaf_nodes("signatures"))

    signature = Signature.objects.get()
    invalidation = Invalidation.objects.get()
    assert list(signatures_search(Signature.objects.all(), "min-ji kim").signatures) == [signature]
    assert invalidation.email_hash == email_hash("kim@example.org")
    assert invalidation.email == "K\u2022\u2022\u2022@Example.org"
    assert list(candidates(invalidation)) == [signature]
    with pytest.raises(IrreversibleError):
        executor.loader.build_graph()
        executor.migrate(BEFORE_NAME_TOKENS)
    # Past the model, whose later columns going back took away.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM signatures_invalidation")
