from django.core.management.base import BaseCommand

from petitions.models import Petition
from signatures.counting import tally_reconcile


class Command(BaseCommand):
    help = (
        "Compare each petition's stored count with COUNT(*) of its confirmed signatures, "
        "by country; with --fix, repair any drift."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="Repair the drift that is found.")

    def handle(self, *args, fix, **options):
        drifted = 0
        for petition in Petition.objects.order_by("pk"):
            drift = tally_reconcile(petition_id=petition.pk, fix=fix)
            if not drift:
                continue
            drifted += 1
            details = ", ".join(
                f"{country}: stored {stored}, actual {actual}"
                for country, (stored, actual) in sorted(drift.items())
            )
            action = "fixed" if fix else "drift"
            self.stdout.write(f"{action} {petition.slug}: {details}")
        if drifted == 0:
            self.stdout.write(self.style.SUCCESS("All counts match the confirmed signatures."))
        elif not fix:
            self.stdout.write(f"{drifted} petition(s) drifted; run again with --fix to repair.")
            raise SystemExit(1)
