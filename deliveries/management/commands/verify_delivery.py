import zipfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ...verification import KEY_FILE, verify_package


class Command(BaseCommand):
    help = (
        "Check a delivery package (folder or .zip) against its signed manifest, without the "
        "database: the signature, every file's hash, the counts and the Merkle root."
    )

    def add_arguments(self, parser):
        parser.add_argument("package", type=Path)
        parser.add_argument(
            "--public-key",
            type=Path,
            help="The organisation's public key (PEM), as published on the site. "
            "Default: public-key.pem in the package, which proves only that it is unchanged.",
        )

    def handle(self, package, public_key, **options):
        if not package.exists():
            raise CommandError(f"{package} does not exist.")
        key = public_key.read_text(encoding="ascii") if public_key else _key_in_package(package)
        if key is None:
            raise CommandError("No public key: pass --public-key with the site's key.")
        if public_key is None:
            self.stderr.write(
                "Using the key inside the package: compare it with the one the site publishes."
            )
        problems = verify_package(package, key)
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"{package} does NOT match its manifest.")
        self.stdout.write(f"{package} is intact and signed by this key.")


def _key_in_package(package):
    if package.is_dir():
        candidate = package / KEY_FILE
        return candidate.read_text(encoding="ascii") if candidate.is_file() else None
    try:
        with zipfile.ZipFile(package) as archive:
            names = [name for name in archive.namelist() if name.endswith(KEY_FILE)]
            return archive.read(names[0]).decode("ascii") if names else None
    except zipfile.BadZipFile:
        return None
