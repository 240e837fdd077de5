from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ...signing import SigningKeyMissing, public_key_pem
from ...verification import verify_package


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
            "Default: this site's own key. The copy inside a package is never trusted.",
        )

    def handle(self, package, public_key, **options):
        if not package.exists():
            raise CommandError(f"{package} does not exist.")
        problems = verify_package(package, _public_key(public_key))
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"{package} does NOT match its manifest.")
        self.stdout.write(f"{package} is intact and signed by this key.")


def _public_key(path):
    # A key shipped inside the package proves only that whoever made the package had a key.
    if path is None:
        try:
            return public_key_pem()
        except SigningKeyMissing as error:
            raise CommandError(
                "Pass --public-key with the key the organisation publishes."
            ) from error
    try:
        return path.read_text(encoding="ascii")
    except (OSError, UnicodeError) as error:
        raise CommandError(f"{path} cannot be read as a public key: {error}") from error
