"""Checks a delivery package with nothing but its files and the organisation's public key.

No database and no Django: a recipient can run this module, or repeat each step by hand.
"""

import base64
import binascii
import csv
import hashlib
import json
import tempfile
import zipfile
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .merkle import RootBuilder

MANIFEST = "manifest.json"
MANIFEST_SIGNATURE = "manifest.sig"
SIGNATURES = "signatures.csv"
TALLY_CSV = "tally.csv"
TALLY_JSON = "tally.json"
KEY_FILE = "public-key.pem"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class UnusableKey(ValueError):
    pass


def load_public_key(text: str) -> Ed25519PublicKey:
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(text.encode())
        else:
            key = Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except (ValueError, binascii.Error, UnicodeError) as error:
        raise UnusableKey("The public key cannot be read.") from error
    if not isinstance(key, Ed25519PublicKey):
        raise UnusableKey("The public key is not an Ed25519 key.")
    return key


@contextmanager
def opened_package(path: Path):
    """The package's folder, unpacking a .zip first."""
    if path.is_dir():
        yield path
        return
    with tempfile.TemporaryDirectory() as folder, zipfile.ZipFile(path) as archive:
        archive.extractall(folder)
        # Some archivers add a folder of their own beside the package.
        inner = [entry for entry in Path(folder).iterdir() if entry.name != "__MACOSX"]
        yield inner[0] if len(inner) == 1 and inner[0].is_dir() else Path(folder)


def verify_package(path: Path, public_key_text: str) -> list[str]:
    """Every way in which the package differs from what its signed manifest says; [] if none."""
    try:
        with opened_package(path) as folder:
            return _verify_folder(folder, public_key_text)
    except (OSError, zipfile.BadZipFile) as error:
        return [f"The package cannot be read: {error}"]


def _verify_folder(folder: Path, public_key_text: str) -> list[str]:
    manifest_path, signature_path = folder / MANIFEST, folder / MANIFEST_SIGNATURE
    if not manifest_path.is_file() or not signature_path.is_file():
        return [f"{MANIFEST} or {MANIFEST_SIGNATURE} is missing."]
    manifest_bytes = manifest_path.read_bytes()
    try:
        key = load_public_key(public_key_text)
    except UnusableKey as error:
        return [str(error)]
    try:
        key.verify(
            base64.b64decode(signature_path.read_bytes().strip(), validate=True), manifest_bytes
        )
    except (InvalidSignature, ValueError, binascii.Error):
        return [f"{MANIFEST} is not signed by this key: it was changed, or the key is wrong."]
    manifest = json.loads(manifest_bytes)
    problems = []
    expected_names = {*manifest["files"], MANIFEST, MANIFEST_SIGNATURE, KEY_FILE}
    for extra in sorted(path.name for path in folder.iterdir() if path.name not in expected_names):
        problems.append(f"{extra} is not part of the package the manifest describes.")
    for name, expected in manifest["files"].items():
        file = folder / name
        if not file.is_file():
            problems.append(f"{name} is missing.")
        elif file_sha256(file) != expected:
            problems.append(f"{name} has changed: its SHA-256 is not the manifest's.")
    for check in (_check_list, _check_tallies):
        try:
            problems += check(folder, manifest)
        except (KeyError, ValueError, TypeError, csv.Error) as error:
            problems.append(f"A file does not have the expected layout: {error!r}")
    return problems


def _check_list(folder: Path, manifest: dict) -> list[str]:
    path = folder / SIGNATURES
    if not path.is_file():
        return []
    problems, by_country, tree = [], Counter(), RootBuilder()
    with path.open(encoding="utf-8-sig", newline="") as source:
        for expected_number, row in enumerate(csv.DictReader(source), start=1):
            if row["number"] != str(expected_number):
                problems.append(
                    f"{SIGNATURES}: line {expected_number} is numbered {row['number']}."
                )
                break
            by_country[row["country"]] += 1
            tree.add(bytes.fromhex(row["leaf"]))
    counts, merkle = manifest["counts"], manifest["merkle"]
    if tree.count != counts["total"] or tree.count != merkle["size"]:
        problems.append(
            f"{SIGNATURES} lists {tree.count} signatures; the manifest says {counts['total']}."
        )
    if dict(by_country) != counts["by_country"]:
        problems.append(f"{SIGNATURES} does not add up to the manifest's counts by country.")
    if tree.root().hex() != merkle["root"]:
        problems.append(f"{SIGNATURES}: the Merkle root of its leaves is not the manifest's.")
    return problems


def _check_tallies(folder: Path, manifest: dict) -> list[str]:
    counts, problems = manifest["counts"], []
    if (folder / TALLY_JSON).is_file():
        tally = json.loads((folder / TALLY_JSON).read_text(encoding="utf-8"))
        by_country = {row["code"]: row["signatures"] for row in tally["countries"]}
        if tally["total"] != counts["total"] or by_country != counts["by_country"]:
            problems.append(f"{TALLY_JSON} does not match the manifest's counts.")
    if (folder / TALLY_CSV).is_file():
        with (folder / TALLY_CSV).open(encoding="utf-8-sig", newline="") as source:
            rows = list(csv.DictReader(source))
        by_country = {row["country"]: int(row["signatures"]) for row in rows if row["country"]}
        totals = [int(row["signatures"]) for row in rows if not row["country"]]
        if totals != [counts["total"]] or by_country != counts["by_country"]:
            problems.append(f"{TALLY_CSV} does not match the manifest's counts.")
    return problems
