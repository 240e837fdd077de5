import base64
import csv
import json
import shutil
import subprocess
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command
from django.utils import timezone

from deliveries import package as package_module
from deliveries.models import Delivery, DeliveryLeaf, ExportRecord
from deliveries.package import _as_written, spreadsheet_safe
from deliveries.services import delivery_build, delivery_create
from deliveries.verification import verify_package
from signatures.display import unlinked
from signatures.identity import format_receipt
from signatures.models import Signature
from tests.deliveries.conftest import NAMES, needs_fonts
from tests.linkifiers import links_in

pytestmark = [pytest.mark.django_db, needs_fonts]

PDFTOTEXT = shutil.which("pdftotext")


@pytest.fixture
def package(founding, tmp_path):
    out = tmp_path / "out"
    call_command(
        "deliver",
        "refugee-status",
        "--recipient",
        "Embassy of the People's Republic of China in London",
        "--address",
        "49 Portland Place\\nLondon W1B 1JL",
        "--cutoff",
        founding["cutoff"].isoformat(),
        "--out",
        str(out),
    )
    (folder,) = [path for path in out.iterdir() if path.is_dir()]
    return folder


def rows(folder):
    with (folder / "signatures.csv").open(encoding="utf-8-sig", newline="") as source:
        return list(csv.DictReader(source))


def public_key(folder):
    return (folder / "public-key.pem").read_text()


def test_the_list_holds_exactly_the_signatures_counted_at_the_cutoff_in_order(package, founding):
    listed = rows(package)

    assert [row["number"] for row in listed] == [str(n) for n in range(1, 10)]
    assert [row["name"] for row in listed[:7]] == list(NAMES)
    assert listed[7]["name"] == "Anonymous"
    for left_out in ("Withdrawn", "Invalid", "Pending", "Late"):
        assert left_out not in (package / "signatures.csv").read_text(encoding="utf-8-sig")


def test_the_list_follows_the_order_of_confirmation_not_of_signing(founding, tmp_path):
    first_to_sign = founding["included"][0]
    Signature.objects.filter(pk=first_to_sign.pk).update(
        confirmed_at=founding["cutoff"] - timedelta(microseconds=1)
    )
    call_command(
        "deliver",
        "refugee-status",
        "--recipient",
        "Embassy",
        "--cutoff",
        founding["cutoff"].isoformat(),
        "--out",
        str(tmp_path / "out"),
    )
    (folder,) = [path for path in (tmp_path / "out").iterdir() if path.is_dir()]

    assert [row["name"] for row in rows(folder)][-1] == "Zoë Łukasiewicz-Ñúñez"


def test_a_build_reports_its_progress_against_the_number_of_signatures(founding, tmp_path):
    delivery = delivery_create(
        petition=founding["petition"], recipient_name="Embassy", cutoff=founding["cutoff"]
    )
    reported = []

    delivery_build(
        delivery=delivery, folder=tmp_path / "out", progress=lambda *step: reported.append(step)
    )

    assert reported
    assert {total for _, total in reported} == {len(founding["included"])}
    assert all(done <= total for done, total in reported)


def test_the_list_reports_each_batch_it_writes_as_the_first_half_of_the_work(
    founding, tmp_path, monkeypatch
):
    monkeypatch.setattr(package_module, "CHUNK", 2)
    delivery = delivery_create(
        petition=founding["petition"], recipient_name="Embassy", cutoff=founding["cutoff"]
    )
    total = len(founding["included"])
    reported = []

    delivery_build(
        delivery=delivery, folder=tmp_path / "out", progress=lambda *step: reported.append(step)
    )

    written = [(number // 2, total) for number in range(2, total + 1, 2)]
    assert written
    assert reported[: len(written)] == written
    assert all(type(done) is int for done, _ in reported)
    # Every leaf is kept, those of full batches as well as the last.
    assert list(
        DeliveryLeaf.objects.filter(delivery=delivery)
        .order_by("position")
        .values_list("position", flat=True)
    ) == list(range(1, total + 1))


def test_the_list_never_holds_an_address_a_receipt_or_a_token(package, founding):
    text = (package / "signatures.csv").read_text(encoding="utf-8-sig")

    for signature in founding["included"]:
        signature.refresh_from_db()
        assert signature.email not in text
        assert signature.receipt not in text
        assert format_receipt(signature.receipt) not in text
    assert "127.0.0.1" not in text
    assert (package / "signatures.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_a_formula_in_a_name_is_neutralised(package):
    assert rows(package)[8]["name"] == '\'=HYPERLINK("http://evil")'


def test_the_dossier_lists_a_link_like_name_without_making_it_a_link(package):
    pypdf = pytest.importorskip("pypdf", reason="pypdf (requirements-dev.txt) reads the PDF")
    reader = pypdf.PdfReader(package / "dossier.pdf")
    listed = "".join(page.extract_text() for page in reader.pages[2:])

    assert unlinked('=HYPERLINK("http://evil")') in listed
    assert links_in(listed) == []


def test_tallies_and_manifest_agree_with_the_list(package):
    tally = json.loads((package / "tally.json").read_text())
    manifest = json.loads((package / "manifest.json").read_text())

    assert tally["total"] == manifest["counts"]["total"] == 9
    assert [(row["code"], row["signatures"]) for row in tally["countries"]] == [
        ("GB", 2),
        *((code, 1) for code in sorted(NAMES.values())),
    ]
    assert manifest["recipient"]["address"] == "49 Portland Place\nLondon W1B 1JL"
    assert manifest["demands"] == ["Stop the returns", "Grant refugee status", "Let the UNHCR in"]
    assert set(manifest["files"]) == {"signatures.csv", "tally.csv", "tally.json", "dossier.pdf"}
    delivery = Delivery.objects.get()
    assert delivery.total == 9
    assert delivery.status == Delivery.Status.PREPARED
    assert delivery.merkle_root == manifest["merkle"]["root"]
    assert ExportRecord.objects.get().rows == 9


def test_preparing_a_delivery_changes_no_signature(founding, tmp_path):
    from signatures.models import Signature

    before = list(Signature.objects.order_by("pk").values())
    call_command("deliver", "refugee-status", "--recipient", "Embassy", "--out", str(tmp_path))

    assert list(Signature.objects.order_by("pk").values()) == before


@pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (poppler-utils) is not installed")
def test_the_dossier_gives_back_every_name_as_text(package):
    text = subprocess.run(  # noqa: S603 - a fixed local tool on our own file
        [PDFTOTEXT, str(package / "dossier.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout

    assert "Refugee status for North Koreans" in text
    for name in NAMES:
        words = name.split()
        assert all(word in text for word in words) or all(word[::-1] in text for word in words)


def test_verify_accepts_the_package_as_a_folder_and_as_a_zip(package):
    assert verify_package(package, public_key(package)) == []
    assert verify_package(package.with_suffix(".zip"), public_key(package)) == []
    call_command("verify_delivery", str(package))


@pytest.mark.parametrize("name", ["signatures.csv", "tally.csv", "tally.json", "dossier.pdf"])
def test_verify_refuses_a_changed_byte_in_any_file(package, name):
    path = package / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    path.write_bytes(bytes(data))

    problems = verify_package(package, public_key(package))

    assert any(name in problem for problem in problems)
    with pytest.raises(CommandError):
        call_command("verify_delivery", str(package))


def rewrite_list(folder, change):
    path = folder / "signatures.csv"
    lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    path.write_text("".join(change(lines)), encoding="utf-8-sig")


def test_verify_refuses_a_removed_line(package):
    rewrite_list(package, lambda lines: lines[:3] + lines[4:])

    problems = verify_package(package, public_key(package))

    assert "signatures.csv: line 3 is numbered 4." in problems


def test_verify_refuses_a_file_the_manifest_does_not_name(package):
    (package / "dossier-corrected.pdf").write_bytes(b"%PDF-1.7")

    problems = verify_package(package, public_key(package))

    assert problems == ["dossier-corrected.pdf is not part of the package the manifest describes."]


def test_a_package_re_signed_with_its_own_key_fails_against_the_organisations(package):
    forger = Ed25519PrivateKey.generate()
    manifest = (package / "manifest.json").read_bytes().replace(b'"total": 9', b'"total": 90')
    (package / "manifest.json").write_bytes(manifest)
    (package / "manifest.sig").write_bytes(base64.b64encode(forger.sign(manifest)))
    (package / "public-key.pem").write_bytes(
        forger.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )

    with pytest.raises(CommandError):
        call_command("verify_delivery", str(package))


def test_an_unusable_key_is_reported_not_raised(package):
    assert verify_package(package, "not a key") == ["The public key cannot be read."]


def test_a_key_of_another_kind_is_reported_as_such(package):
    other_kind = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )

    assert verify_package(package, other_kind) == ["The public key is not an Ed25519 key."]


def test_a_package_without_its_manifest_signature_is_refused(package):
    (package / "manifest.sig").unlink()

    problems = verify_package(package, public_key(package))

    assert problems == ["manifest.json or manifest.sig is missing."]


def signed_by_its_own_key(folder, change):
    """The package with its manifest changed and signed again by a key that travels with it.

    The signature then holds for that key, so what verify reports is its check of the files
    against the manifest's counts.
    """
    manifest = json.loads((folder / "manifest.json").read_text())
    change(manifest)
    forged = json.dumps(manifest).encode()
    key = Ed25519PrivateKey.generate()
    (folder / "manifest.json").write_bytes(forged)
    (folder / "manifest.sig").write_bytes(base64.b64encode(key.sign(forged)))
    (folder / "public-key.pem").write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return verify_package(folder, public_key(folder))


def test_verify_checks_every_file_against_the_manifests_total(package):
    def inflate(manifest):
        manifest["counts"]["total"] += 1

    assert signed_by_its_own_key(package, inflate) == [
        "signatures.csv lists 9 signatures; the manifest says 10.",
        "tally.json does not match the manifest's counts.",
        "tally.csv does not match the manifest's counts.",
    ]


def test_verify_checks_every_file_against_the_manifests_counts_by_country(package):
    def move_one_signature(manifest):
        by_country = manifest["counts"]["by_country"]
        by_country["GB"] += 1
        by_country["KR"] -= 1

    assert signed_by_its_own_key(package, move_one_signature) == [
        "signatures.csv does not add up to the manifest's counts by country.",
        "tally.json does not match the manifest's counts.",
        "tally.csv does not match the manifest's counts.",
    ]


def test_each_row_names_its_country_and_the_day_its_signature_was_confirmed(founding, tmp_path):
    included = founding["included"]
    # Each confirmed on a day of its own, the first to sign the longest ago.
    days = [founding["cutoff"] - timedelta(days=len(included) - n) for n in range(len(included))]
    for signature, day in zip(included, days, strict=True):
        Signature.objects.filter(pk=signature.pk).update(confirmed_at=day)
    delivery = delivery_create(
        petition=founding["petition"], recipient_name="Embassy", cutoff=founding["cutoff"]
    )

    delivery_build(delivery=delivery, folder=tmp_path / "out")

    listed = rows(tmp_path / "out")
    assert [row["signed_on"] for row in listed] == [
        timezone.localdate(day).isoformat() for day in days
    ]
    assert [(row["country"], row["country_name"]) for row in listed] == [
        (signature.country.code, signature.country.name) for signature in included
    ]


def test_the_tallies_open_in_a_spreadsheet_as_utf_8_with_a_total(package):
    assert (package / "tally.csv").read_bytes().startswith(b"\xef\xbb\xbfcountry,")
    with (package / "tally.csv").open(encoding="utf-8-sig", newline="") as source:
        table = list(csv.reader(source))
    assert table[0] == ["country", "country_name", "signatures"]
    assert table[1] == ["GB", "United Kingdom", "2"]
    assert table[-1] == ["", "Total", "9"]
    assert len(table) == 2 + len(set(NAMES.values()) | {"GB"})


def test_the_tallies_json_names_each_country_and_reads_as_written(tmp_path):
    package_module._write_tallies(tmp_path, [("CI", 2), ("GB", 1)], 3)

    text = (tmp_path / "tally.json").read_text(encoding="utf-8")
    assert json.loads(text) == {
        "total": 3,
        "countries": [
            {"code": "CI", "name": "Côte d'Ivoire", "signatures": 2},
            {"code": "GB", "name": "United Kingdom", "signatures": 1},
        ],
    }
    # For a person reading it: names as written, one field to a line.
    assert '"name": "Côte d\'Ivoire"' in text
    assert text.startswith('{\n  "total": 3,\n')


def test_anonymous_signers_are_listed_without_their_town(package):
    anonymous = rows(package)[7]

    assert (anonymous["name"], anonymous["town"]) == ("Anonymous", "")
    assert rows(package)[0]["town"] == "Town"


@pytest.mark.parametrize("value", ["=SUM(A1)", "'=x", "'quoted", "-5", "plain", ""])
def test_what_the_list_escapes_the_dossier_prints_as_it_was(value):
    assert _as_written(spreadsheet_safe(value)) == value


def test_verify_refuses_reordered_lines_even_with_renumbering(package):
    def swap(lines):
        first, second = lines[1].split(",", 1), lines[2].split(",", 1)
        return [lines[0], f"1,{second[1]}", f"2,{first[1]}", *lines[3:]]

    rewrite_list(package, swap)

    assert any("Merkle root" in problem for problem in verify_package(package, public_key(package)))


def test_verify_refuses_a_changed_count_even_in_a_re_signed_manifest_with_another_key(package):
    manifest = json.loads((package / "manifest.json").read_text())
    manifest["counts"]["total"] = 10
    forged = json.dumps(manifest).encode()
    (package / "manifest.json").write_bytes(forged)
    (package / "manifest.sig").write_bytes(
        base64.b64encode(Ed25519PrivateKey.generate().sign(forged))
    )

    problems = verify_package(package, public_key(package))

    assert problems == [
        "manifest.json is not signed by this key: it was changed, or the key is wrong."
    ]


def test_a_missing_signing_key_stops_the_command_with_a_message(founding, settings, tmp_path):
    settings.DELIVERY_SIGNING_KEY = ""

    with pytest.raises(CommandError, match="DELIVERY_SIGNING_KEY"):
        call_command("deliver", "refugee-status", "--recipient", "Embassy", "--out", str(tmp_path))


def test_a_cutoff_in_the_future_is_refused(founding, tmp_path):
    with pytest.raises(CommandError, match="cannot be in the future"):
        call_command(
            "deliver",
            "refugee-status",
            "--recipient",
            "Embassy",
            "--cutoff",
            "2999-01-01T00:00",
            "--out",
            str(tmp_path),
        )


def test_a_file_the_manifest_names_that_is_gone_is_named_as_missing(package):
    (package / "tally.csv").unlink()

    problems = verify_package(package, public_key(package))

    assert "tally.csv is missing." in problems


def test_building_again_records_only_the_new_files_and_leaves(package, tmp_path):
    delivery = Delivery.objects.get()

    package_module.package_build(delivery, tmp_path / "again" / package.name)

    again = tmp_path / "again" / package.name
    recorded = {file.name: (file.sha256, file.size) for file in delivery.files.all()}
    assert recorded == {
        name: (package_module.file_sha256(again / name), (again / name).stat().st_size)
        for name in ("signatures.csv", "tally.csv", "tally.json", "dossier.pdf", "manifest.json")
    }
    assert delivery.leaves.count() == delivery.total == len(rows(again))
