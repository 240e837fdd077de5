from django.core.management.base import BaseCommand

from signatures.tasks import find_trending_signatures


class Command(BaseCommand):
    help = (
        "Record waves of signatures above the trending thresholds and email the staff who asked "
        "(run every 10 minutes). Queued for the task worker, unless --now."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--now", action="store_true", help="Run here and now rather than in the task worker."
        )

    def handle(self, *args, now, **options):
        if not now:
            result = find_trending_signatures.enqueue()
            self.stdout.write(f"Queued the search for waves of signatures as task {result.id}.")
            return
        found = find_trending_signatures.call()
        self.stdout.write(
            f"{found['recorded']} wave(s) of signatures above the thresholds; "
            f"{found['emailed']} emailed to staff."
        )
