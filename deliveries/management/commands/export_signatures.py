import sys
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from petitions.models import Petition
from signatures.models import Signature

from ...exports import export_queryset, export_write
from ...services import export_record_create


class Command(BaseCommand):
    help = "Write a petition's signatures as CSV; email addresses only of those who asked for news."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--status", choices=Signature.Status.values)
        parser.add_argument("--country", help="ISO code, e.g. GB")
        parser.add_argument("--since", help="ISO date or time: signed at or after")
        parser.add_argument("--until", help="ISO date or time: signed before")
        parser.add_argument("--out", help="File to write (default: standard output)")

    def handle(self, slug, status, country, since, until, out, **options):
        petition = Petition.objects.filter(slug=slug).first()
        if petition is None:
            raise CommandError(f"No petition has the slug {slug!r}.")
        filters = {"status": status, "country": country, "since": since, "until": until}
        signatures = export_queryset(
            petition=petition,
            status=status,
            country=country.upper() if country else None,
            since=_moment(since, "--since"),
            until=_moment(until, "--until"),
        )
        if out:
            with open(out, "wb") as target:
                rows = export_write(target, signatures)
        else:
            rows = export_write(sys.stdout.buffer, signatures)
        export_record_create(
            petition=petition,
            user=None,
            filters={key: value for key, value in filters.items() if value} | {"via": "command"},
            rows=rows,
        )
        if out:
            self.stderr.write(f"{rows} signatures written to {out}.")


def _moment(text, option):
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"{option} {text!r} is not an ISO date or time.") from error
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)
