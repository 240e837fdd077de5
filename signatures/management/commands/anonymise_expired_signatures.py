from django.core.management.base import BaseCommand

from signatures.services import signatures_anonymise_expired


class Command(BaseCommand):
    help = (
        "Erase signers' names, email addresses, towns and IP addresses once their petition's "
        "retention period is over (run daily)."
    )

    def handle(self, *args, **options):
        erased = signatures_anonymise_expired()
        for petition, count in erased.items():
            self.stdout.write(f"{petition.slug}: erased the details of {count} signature(s).")
        total = sum(erased.values())
        self.stdout.write(f"Erased the details of {total} signature(s) in total.")
