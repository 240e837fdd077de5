import sys
from datetime import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from petitions.models import Petition

from ...services import DeliveryError, delivery_build, delivery_create
from ...signing import SigningKeyMissing, signing_key


class Command(BaseCommand):
    help = "Build a petition's delivery package (a folder and a .zip) for its recipient."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--recipient", required=True, help="Who receives the petition.")
        parser.add_argument("--address", default="", help="The recipient's postal address.")
        parser.add_argument(
            "--cutoff", help="ISO time; signatures confirmed later are left out (default: now)."
        )
        parser.add_argument("--out", required=True, type=Path, help="Folder to write into.")

    def handle(self, slug, recipient, address, cutoff, out, **options):
        petition = Petition.objects.filter(slug=slug).first()
        if petition is None:
            raise CommandError(f"No petition has the slug {slug!r}.")
        from ...dossier import MissingFont, required_fonts

        try:
            signing_key()
            required_fonts()
        except (SigningKeyMissing, MissingFont) as error:
            raise CommandError(str(error)) from error
        try:
            delivery = delivery_create(
                petition=petition,
                recipient_name=recipient,
                recipient_address=address.replace("\\n", "\n"),
                cutoff=_parse_cutoff(cutoff),
            )
        except DeliveryError as error:
            raise CommandError(str(error)) from error
        folder = out / f"{petition.slug}-{delivery.cutoff:%Y%m%d-%H%M}"
        delivery_build(delivery=delivery, folder=folder, progress=self._show_progress)
        self.stderr.write("")
        self.stdout.write(
            f"{delivery.total} signatures delivered to {recipient}.\n"
            f"Package: {folder}/ and {folder}.zip\n"
            f"Manifest SHA-256: {delivery.manifest_sha256}\n"
            f"Public page, once marked delivered: {delivery.get_absolute_url()}"
        )

    def _show_progress(self, done, total):
        if not sys.stderr.isatty() and done not in (0, total):
            return
        width = 30
        filled = width * done // total if total else width
        self.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,}", ending=""
        )
        self.stderr.flush()


def _parse_cutoff(text):
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise CommandError(
            f"--cutoff {text!r} is not an ISO time, e.g. 2026-11-30T18:00."
        ) from error
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)
