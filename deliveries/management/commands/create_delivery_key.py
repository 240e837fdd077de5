from django.core.management.base import BaseCommand

from ...signing import new_signing_key_text


class Command(BaseCommand):
    help = "Print a new Ed25519 key for DELIVERY_SIGNING_KEY. Keep it secret and backed up."

    def handle(self, **options):
        self.stdout.write(f"DELIVERY_SIGNING_KEY={new_signing_key_text()}")
