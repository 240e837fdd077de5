"""Builds a delivery's package: the list, the tallies, the dossier and the signed manifest."""

import base64
import csv
import json
import secrets
import shutil
from collections import Counter
from datetime import date
from pathlib import Path

from django.utils import timezone
from django_countries import countries

from signatures.models import Signature

from . import signing
from .merkle import RootBuilder, leaf_hash
from .models import Delivery, DeliveryFile, DeliveryLeaf
from .verification import (
    KEY_FILE,
    MANIFEST,
    MANIFEST_SIGNATURE,
    SIGNATURES,
    TALLY_CSV,
    TALLY_JSON,
    file_sha256,
)

DOSSIER = "dossier.pdf"
ANONYMOUS = "Anonymous"
# Spreadsheets run a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A cell starting with one of these gets a quote in front; a quote already there gets one too,
# so that the quote can always be taken off again.
QUOTED_PREFIXES = (*FORMULA_PREFIXES, "'")
CHUNK = 2000
LIST_COLUMNS = ("number", "name", "town", "country", "country_name", "signed_on", "leaf")
LIST_FIELDS = ("receipt", "full_name", "name_visibility", "town", "country", "confirmed_at")


def spreadsheet_safe(value: str) -> str:
    return f"'{value}" if value.startswith(QUOTED_PREFIXES) else value


def included_signatures(delivery: Delivery):
    """Confirmed at or before the cutoff and still counted now, in the order they came in."""
    return (
        Signature.objects.for_petition(delivery.petition)
        .confirmed()
        .filter(confirmed_at__lte=delivery.cutoff)
        .order_by("confirmed_at", "pk")
    )


def name_for_recipient(full_name: str, name_visibility: str) -> str:
    if name_visibility == Signature.NameVisibility.ANONYMOUS:
        return ANONYMOUS
    return full_name


def town_for_recipient(town: str, name_visibility: str) -> str:
    # A town, or worse a postcode, with a date can single out someone who asked not to be named.
    if name_visibility == Signature.NameVisibility.ANONYMOUS:
        return ""
    return town


def package_build(delivery: Delivery, folder: Path, *, progress=None) -> Path:
    """Write the package into `folder` and as `folder`.zip beside it; return the zip's path.

    Memory stays flat however long the list: rows stream from the database to the list,
    and the dossier reads them back from the list, so both hold exactly the same signatures.
    """
    report = progress or (lambda done, total: None)
    folder.mkdir(parents=True, exist_ok=True)
    salt = secrets.token_bytes(16)
    expected = included_signatures(delivery).count()
    by_country, root = _write_list(delivery, folder / SIGNATURES, salt, expected, report)
    total = sum(by_country.values())
    tally = sorted(by_country.items(), key=lambda item: (-item[1], item[0]))
    _write_tallies(folder, tally, total)
    _write_dossier(delivery, folder, tally, total, report)
    files = {
        name: file_sha256(folder / name) for name in (SIGNATURES, TALLY_CSV, TALLY_JSON, DOSSIER)
    }
    manifest = _manifest(delivery, by_country, total, files, salt, root)
    (folder / MANIFEST).write_bytes(manifest)
    (folder / MANIFEST_SIGNATURE).write_bytes(base64.b64encode(signing.sign(manifest)) + b"\n")
    (folder / KEY_FILE).write_text(signing.public_key_pem(), encoding="ascii")
    archive = Path(shutil.make_archive(str(folder), "zip", folder.parent, folder.name))

    delivery.salt = salt.hex()
    delivery.total = total
    delivery.counts_by_country = dict(by_country)
    delivery.merkle_root = root.hex()
    delivery.manifest_sha256 = file_sha256(folder / MANIFEST)
    DeliveryFile.objects.filter(delivery=delivery).delete()
    DeliveryFile.objects.bulk_create(
        DeliveryFile(
            delivery=delivery, name=name, sha256=digest, size=(folder / name).stat().st_size
        )
        for name, digest in [*files.items(), (MANIFEST, delivery.manifest_sha256)]
    )
    return archive


def _write_list(delivery, path, salt, expected, report):
    by_country, tree, leaves = Counter(), RootBuilder(), []
    nonce = signing.leaf_nonces(salt)
    DeliveryLeaf.objects.filter(delivery=delivery).delete()
    with path.open("w", encoding="utf-8-sig", newline="") as target:
        writer = csv.writer(target)
        writer.writerow(LIST_COLUMNS)
        rows = included_signatures(delivery).opened_rows(*LIST_FIELDS, chunk_size=CHUNK)
        for number, (receipt, name, visibility, town, country, confirmed_at) in enumerate(
            rows, start=1
        ):
            leaf = leaf_hash(salt, nonce(receipt), receipt)
            tree.add(leaf)
            by_country[country] += 1
            leaves.append(DeliveryLeaf(delivery=delivery, position=number, leaf=leaf))
            writer.writerow(
                [
                    number,
                    spreadsheet_safe(name_for_recipient(name, visibility)),
                    spreadsheet_safe(town_for_recipient(town, visibility)),
                    country,
                    countries.name(country),
                    timezone.localdate(confirmed_at).isoformat(),
                    leaf.hex(),
                ]
            )
            if len(leaves) == CHUNK:
                DeliveryLeaf.objects.bulk_create(leaves)
                leaves = []
                # The list is the first half of the work, the dossier the second.
                report(number // 2, expected)
    DeliveryLeaf.objects.bulk_create(leaves)
    return by_country, tree.root()


def _write_tallies(folder, tally, total):
    with (folder / TALLY_CSV).open("w", encoding="utf-8-sig", newline="") as target:
        writer = csv.writer(target)
        writer.writerow(("country", "country_name", "signatures"))
        writer.writerows((code, countries.name(code), count) for code, count in tally)
        writer.writerow(("", "Total", total))
    document = {
        "total": total,
        "countries": [
            {"code": code, "name": countries.name(code), "signatures": count}
            for code, count in tally
        ],
    }
    (folder / TALLY_JSON).write_text(
        json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def _as_written(value: str) -> str:
    """A cell without the quote that kept spreadsheets from running it: a PDF runs nothing."""
    return value.removeprefix("'")


def _rows_from_list(path):
    from .dossier import DossierRow

    with path.open(encoding="utf-8-sig", newline="") as source:
        for row in csv.DictReader(source):
            yield DossierRow(
                number=int(row["number"]),
                name=_as_written(row["name"]),
                town=_as_written(row["town"]),
                country=row["country_name"],
                signed_on=date.fromisoformat(row["signed_on"]),
            )


def _write_dossier(delivery, folder, tally, total, report):
    # Imported here: the PDF library is needed only while a package is built.
    from .dossier import DossierCover, dossier_write

    petition = delivery.petition
    cover = DossierCover(
        title=petition.title,
        target=petition.target,
        recipient_name=delivery.recipient_name,
        recipient_address=delivery.recipient_address,
        organiser=petition.organiser_name,
        body=petition.body,
        demands=[demand.text for demand in petition.demands.all()],
        total=total,
        prepared_on=timezone.localdate(),
        tally=[(code, countries.name(code), count) for code, count in tally],
    )
    with (folder / DOSSIER).open("wb") as target:
        dossier_write(
            target,
            cover=cover,
            rows=_rows_from_list(folder / SIGNATURES),
            progress=lambda done: report(total // 2 + done // 2, total),
        )


def _manifest(delivery, by_country, total, files, salt, root) -> bytes:
    petition = delivery.petition
    document = {
        "format": "petition-delivery/1",
        "petition": {
            "slug": petition.slug,
            "title": petition.title,
            "target": petition.target,
            "organiser": petition.organiser_name,
        },
        "demands": [demand.text for demand in petition.demands.all()],
        "recipient": {"name": delivery.recipient_name, "address": delivery.recipient_address},
        "cutoff": delivery.cutoff.isoformat(),
        "prepared_at": timezone.now().isoformat(),
        "counts": {"total": total, "by_country": dict(sorted(by_country.items()))},
        "files": files,
        "merkle": {
            "tree": "RFC 6962, SHA-256",
            "leaf": "SHA-256(0x00 || salt || signer's 16-byte leaf secret || receipt code"
            " without dashes)",
            "salt": salt.hex(),
            "size": total,
            "root": root.hex(),
        },
    }
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode()
