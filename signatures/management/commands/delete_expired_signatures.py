from django.core.management.base import BaseCommand

from signatures.services import signatures_delete_expired


class Command(BaseCommand):
    help = "Delete unconfirmed signatures whose confirmation links have all expired (run daily)."

    def handle(self, *args, **options):
        count = signatures_delete_expired()
        self.stdout.write(f"Deleted {count} unconfirmed signature(s) with expired links.")
